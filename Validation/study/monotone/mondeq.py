# Probe: a learned monotone-operator equilibrium model (monDEQ) for Sudoku, in PyTorch.
#   DS=ds python3 mondeq.py --minutes 25 --out p1.pt          # train (one thread, CPU time)
#   DS=ds python3 mondeq.py --eval p1.pt --evaln 200 --evaliters 20000   # ladder at equilibrium
# z* = relu(z* - a(G z* - u)),  G = A_t^T A_t (x) I + I (x) A_c A_c^T + m I
# G's symmetric part >= m I, so the fixed point is unique for every input; a = 1/L makes the
# forward-backward map a contraction with factor 1 - m/L (symmetric case).
import torch, numpy as np, time, sys, argparse, random, json
from common import *
p=argparse.ArgumentParser()
p.add_argument('--d',type=int,default=64); p.add_argument('--m',type=float,default=0.05)
p.add_argument('--minutes',type=float,default=30); p.add_argument('--batch',type=int,default=64)
p.add_argument('--iters',type=int,default=100); p.add_argument('--biters',type=int,default=20)
p.add_argument('--lr',type=float,default=1e-3); p.add_argument('--seed',type=int,default=0)
p.add_argument('--out',default='mon.pt')
p.add_argument('--blanks',default='5,45')
p.add_argument('--eval',default=''); p.add_argument('--evaliters',type=int,default=3000); p.add_argument('--evaln',type=int,default=100)
args=p.parse_args()
torch.manual_seed(args.seed); np.random.seed(args.seed); random.seed(args.seed)
torch.set_num_threads(1)
d=args.d
class Mon(torch.nn.Module):
    def __init__(s):
        super().__init__()
        s.emb=torch.nn.Embedding(11,d); s.bias=torch.nn.Parameter(torch.zeros(81,d))
        s.At=torch.nn.Parameter(torch.randn(81,81)/81**0.5*0.5); s.Ac=torch.nn.Parameter(torch.randn(d,d)/d**0.5*0.5)
        s.head=torch.nn.Linear(d,9)
    def G(s,z):  # z [B,81,d]
        g=torch.einsum('ij,bjd->bid',s.At.t()@s.At,z)+z@(s.Ac@s.Ac.t())+args.m*z
        return g
    def step_size(s):
        with torch.no_grad():
            L=torch.linalg.matrix_norm(s.At,2)**2+torch.linalg.matrix_norm(s.Ac,2)**2+args.m
            return 1.0/L   # G symmetric with spectrum in [m, L]: I - aG has norm 1 - m/L
    def f(s,z,u,a): return torch.relu(z-a*(s.G(z)-u))
    def solve(s,u,a,iters,tol=1e-5,z0=None):
        z=torch.zeros_like(u) if z0 is None else z0
        for k in range(iters):
            zn=s.f(z,u,a)
            r=((zn-z).flatten(1).norm(dim=1)/(zn.flatten(1).norm(dim=1)+1e-9)).max().item()
            z=zn
            if r<tol: break
        return z,k+1,r
    def forward(s,x,iters,biters):
        u=s.emb(x)+s.bias; a=s.step_size()
        with torch.no_grad(): zs,k,r=s.solve(u,a,iters)
        z=s.f(zs,u,a)
        if s.training and biters>0:
            z0=z.detach().requires_grad_(); f0=s.f(z0,u,a)
            def hook(grad):
                g=grad
                for _ in range(biters): g=torch.autograd.grad(f0,z0,g,retain_graph=True)[0]+grad
                return g
            z.register_hook(hook)
        return s.head(z),k,r
# data
_,trainY=load('train')
def augment(sol):
    g=(sol-1).reshape(9,9)   # digits 1..9
    perm=np.concatenate([[0],np.random.permutation(9)+1]); g=perm[g]
    if random.random()<0.5: g=g.T
    bands=np.random.permutation(3); rows=np.concatenate([b*3+np.random.permutation(3) for b in bands])
    stacks=np.random.permutation(3); cols=np.concatenate([s*3+np.random.permutation(3) for s in stacks])
    return g[rows][:,cols].reshape(81)+1
lo,hi=map(int,args.blanks.split(','))
def batch(n):
    X=[];Y=[]
    for _ in range(n):
        y=augment(trainY[np.random.randint(len(trainY))]); k=np.random.randint(lo,hi+1)
        x=y.copy(); x[np.random.choice(81,k,replace=False)]=1; X.append(x); Y.append(y)
    return torch.tensor(np.stack(X)),torch.tensor(np.stack(Y))
model=Mon()
if args.eval:
    import os
    model.load_state_dict(torch.load(args.eval)); model.eval(); a=model.step_size()
    print('step size',a.item(),'contraction factor bound',1-args.m*a.item())
    for k in [10,20,30,40,50]:
        fn=f'ladder{k}.npz'
        if not os.path.exists(fn):
            X,Y=ladder(k,200); np.savez(fn,X=X,Y=Y)
        L=np.load(fn); X=torch.tensor(L['X'][:args.evaln]); Y=torch.tensor(L['Y'][:args.evaln])
        with torch.no_grad():
            u=model.emb(X)+model.bias
            zs,it,r=model.solve(u,a,args.evaliters,tol=1e-6)
            pred=model.head(zs).argmax(-1)+2; bl=(X==1)
            # uniqueness, shown: 4 random non-negative starts
            spread=0.0
            for t in range(4):
                z0=torch.rand_like(u)*zs.abs().max()*2
                zr,_,_=model.solve(u,a,args.evaliters,tol=1e-6,z0=z0)
                spread=max(spread,((zr-zs).flatten(1).norm(dim=1)/zs.flatten(1).norm(dim=1)).max().item())
        print(f'{k} blanks: exact {(pred==Y).all(1).float().mean():.3f} blank-cell {(pred[bl]==Y[bl]).float().mean():.3f} iters {it} residual {r:.1e} max rel distance of 4 random starts {spread:.1e}',flush=True)
    sys.exit(0)
opt=torch.optim.AdamW(model.parameters(),lr=args.lr,betas=(0.9,0.95),weight_decay=0.0)
t0=time.process_time(); step=0; budget=args.minutes*60
while time.process_time()-t0<budget:
    frac=(time.process_time()-t0)/budget
    for gp in opt.param_groups: gp['lr']=args.lr*min(1,(step+1)/100)*(0.1+0.9*0.5*(1+np.cos(np.pi*frac)))
    x,y=batch(args.batch); model.train()
    logits,k,r=model(x,args.iters,args.biters)
    loss=torch.nn.functional.cross_entropy(logits.reshape(-1,9),(y-2).reshape(-1))
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(),1.0); opt.step()
    step+=1
    if step%25==0:
        with torch.no_grad():
            pred=logits.argmax(-1)+2; bl=(x==1)
            print(f'step {step} cpu {time.process_time()-t0:.0f}s loss {loss.item():.4f} blankcell {(pred[bl]==y[bl]).float().mean():.3f} exact {(pred==y).all(1).float().mean():.3f} fwd-iters {k} res {r:.1e} a {model.step_size().item():.3g}',flush=True)
torch.save(model.state_dict(),args.out)
print('done',step,'steps',flush=True)
