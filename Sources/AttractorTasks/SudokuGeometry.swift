/// Static tables of the 9×9 geometry (units and peers), built once.
public enum SudokuGeometry {
    /// 27 units × 9 cells: rows 0…8, columns 9…17, boxes 18…26.
    public static let units: [UInt8] = {
        var u = [UInt8]()
        u.reserveCapacity(243)
        for r in 0..<9 { for c in 0..<9 { u.append(UInt8(9 * r + c)) } }
        for c in 0..<9 { for r in 0..<9 { u.append(UInt8(9 * r + c)) } }
        for b in 0..<9 {
            let r0 = 3 * (b / 3), c0 = 3 * (b % 3)
            for k in 0..<9 { u.append(UInt8(9 * (r0 + k / 3) + c0 + k % 3)) }
        }
        return u
    }()

    /// 81 cells × 20 peers (cells sharing a row, column or box, excluding the cell).
    public static let peers: [UInt8] = {
        var p = [UInt8]()
        p.reserveCapacity(81 * 20)
        for i in 0..<81 {
            let r = i / 9, c = i % 9, b = 3 * (r / 3) + c / 3
            for j in 0..<81 where j != i {
                let rj = j / 9, cj = j % 9, bj = 3 * (rj / 3) + cj / 3
                if rj == r || cj == c || bj == b { p.append(UInt8(j)) }
            }
        }
        return p
    }()
}
