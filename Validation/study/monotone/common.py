# Shared helpers of the monotone-equilibrium probe (PyTorch; a peer study, never needed by
# `make test`). DS is a dataset folder written by `attractor data sudoku --out DS`.
import numpy as np, random, os
from safetensors.numpy import load_file
DS=os.environ.get('DS','ds')
def load(name):
    d=load_file(f'{DS}/{name}.safetensors'); return d['inputs'].astype(np.int64), d['labels'].astype(np.int64)
# tokens: 0 pad, 1 blank, 2..10 digits 1..9
UNITS=[]
for r in range(9): UNITS.append([r*9+c for c in range(9)])
for c in range(9): UNITS.append([r*9+c for r in range(9)])
for b in range(9):
    br,bc=3*(b//3),3*(b%3); UNITS.append([(br+i)*9+bc+j for i in range(3) for j in range(3)])
PEERS=[set() for _ in range(81)]
for u in UNITS:
    for a in u:
        for b in u:
            if a!=b: PEERS[a].add(b)
def count_solutions(g, limit=2):
    g=list(g); cnt=[0]
    def cands(i): 
        used={g[p] for p in PEERS[i]}; return [d for d in range(1,10) if d not in used]
    def rec():
        best=None; bc=None
        for i in range(81):
            if g[i]==0:
                c=cands(i)
                if best is None or len(c)<len(bc): best,bc=i,c
                if len(c)<=1: break
        if best is None: cnt[0]+=1; return
        for d in bc:
            g[best]=d; rec(); g[best]=0
            if cnt[0]>=limit: return
    rec(); return cnt[0]
def reblank(sol_tokens, k, rng):
    """sol_tokens: 81 digit tokens 2..10. returns input tokens with k blanks, unique solution."""
    sol=[t-1 for t in sol_tokens]
    while True:
        idx=rng.sample(range(81),k); g=list(sol)
        for i in idx: g[i]=0
        if count_solutions(g)==1:
            return np.array([1 if v==0 else v+1 for v in g])
def ladder(k, n=200, seed=0):
    """The first n solution grids of the forum_hardest_1905_11plus test file, each re-blanked
    to k blanks with a unique solution (Python's RNG: the same solutions and blank counts as
    `attractor eval --blanks k --limit n`, not the same cells)."""
    _,labels=load('test_forum_hardest_1905_11plus'); rng=random.Random(seed*1000+k)
    X=np.stack([reblank(labels[i],k,rng) for i in range(n)]); return X, labels[:n]
