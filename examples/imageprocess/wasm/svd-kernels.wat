;; SIMD (f64x2) kernels of the fast SVD methods: the WebAssembly twin of
;; src/svd/kernels.ts (createJsKernels), which documents each function's contract.
;;
;; Every array argument is an offset into linear memory counted in float64 elements (multiplied
;; by 8 here), except the byte addresses of gramStepU8's matrices and limbs. Each kernel performs exactly the IEEE operations of its TypeScript twin in the
;; same order, so both give bit-identical results:
;; - a dot product keeps two f64x2 accumulators over elements 4p..4p+3, reduces them as
;;   (s0 + s2) + (s1 + s3) and then adds the len mod 4 tail elements one by one;
;; - every other sum runs in index order, one f64x2 lane per output element.
;; Assembled by scripts/build-wasm.mjs with the npm package wabt (SIMD enabled).
(module
  (memory (export "memory") 1)

  ;; dot(x, y, len) on byte addresses.
  (func $dot (param $x i32) (param $y i32) (param $len i32) (result f64)
    (local $a0 v128) (local $a1 v128) (local $end i32) (local $r f64) (local $v v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 3))))
    (block $done
      (loop $main
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $a0 (f64x2.add (local.get $a0)
          (f64x2.mul (v128.load (local.get $x)) (v128.load (local.get $y)))))
        (local.set $a1 (f64x2.add (local.get $a1)
          (f64x2.mul (v128.load offset=16 (local.get $x)) (v128.load offset=16 (local.get $y)))))
        (local.set $x (i32.add (local.get $x) (i32.const 32)))
        (local.set $y (i32.add (local.get $y) (i32.const 32)))
        (br $main)))
    (local.set $v (f64x2.add (local.get $a0) (local.get $a1)))
    (local.set $r (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $len) (i32.const 3)) (i32.const 3))))
    (block $tdone
      (loop $tail
        (br_if $tdone (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $r (f64.add (local.get $r) (f64.mul (f64.load (local.get $x)) (f64.load (local.get $y)))))
        (local.set $x (i32.add (local.get $x) (i32.const 8)))
        (local.set $y (i32.add (local.get $y) (i32.const 8)))
        (br $tail)))
    (local.get $r))

  ;; y[j] -= c * x[j] for j < len (byte addresses).
  (func $axpySub (param $y i32) (param $c f64) (param $x i32) (param $len i32)
    (local $cv v128) (local $end i32)
    (local.set $cv (f64x2.splat (local.get $c)))
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $main
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (v128.store (local.get $y) (f64x2.sub (v128.load (local.get $y))
          (f64x2.mul (local.get $cv) (v128.load (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $main)))
    (if (i32.and (local.get $len) (i32.const 1))
      (then
        (f64.store (local.get $y) (f64.sub (f64.load (local.get $y))
          (f64.mul (local.get $c) (f64.load (local.get $x))))))))

  ;; out[0..3] = x_r . y for the four rows x_r = x + r * ldx (byte addresses), each summed exactly
  ;; as $dot sums it; the four share every load of y.
  (func $dot4 (param $x i32) (param $ldx i32) (param $y i32) (param $len i32) (param $out i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $yp i32) (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local $c0 v128) (local $c1 v128) (local $d0 v128) (local $d1 v128) (local $yv v128) (local $v v128)
    (local $r0 f64) (local $r1 f64) (local $r2 f64) (local $r3 f64) (local $ys f64)
    (local.set $x0 (local.get $x))
    (local.set $x1 (i32.add (local.get $x0) (local.get $ldx)))
    (local.set $x2 (i32.add (local.get $x1) (local.get $ldx)))
    (local.set $x3 (i32.add (local.get $x2) (local.get $ldx)))
    (local.set $yp (local.get $y))
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 3))))
    (block $dd
      (loop $dl
        (br_if $dd (i32.ge_u (local.get $yp) (local.get $end)))
        (local.set $yv (v128.load (local.get $yp)))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load (local.get $x0)) (local.get $yv))))
        (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (v128.load (local.get $x1)) (local.get $yv))))
        (local.set $c0 (f64x2.add (local.get $c0) (f64x2.mul (v128.load (local.get $x2)) (local.get $yv))))
        (local.set $d0 (f64x2.add (local.get $d0) (f64x2.mul (v128.load (local.get $x3)) (local.get $yv))))
        (local.set $yv (v128.load offset=16 (local.get $yp)))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load offset=16 (local.get $x0)) (local.get $yv))))
        (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (v128.load offset=16 (local.get $x1)) (local.get $yv))))
        (local.set $c1 (f64x2.add (local.get $c1) (f64x2.mul (v128.load offset=16 (local.get $x2)) (local.get $yv))))
        (local.set $d1 (f64x2.add (local.get $d1) (f64x2.mul (v128.load offset=16 (local.get $x3)) (local.get $yv))))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 32)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 32)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 32)))
        (local.set $x3 (i32.add (local.get $x3) (i32.const 32)))
        (local.set $yp (i32.add (local.get $yp) (i32.const 32)))
        (br $dl)))
    (local.set $v (f64x2.add (local.get $a0) (local.get $a1)))
    (local.set $r0 (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
    (local.set $v (f64x2.add (local.get $b0) (local.get $b1)))
    (local.set $r1 (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
    (local.set $v (f64x2.add (local.get $c0) (local.get $c1)))
    (local.set $r2 (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
    (local.set $v (f64x2.add (local.get $d0) (local.get $d1)))
    (local.set $r3 (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $len) (i32.const 3))))
    (block $td
      (loop $tl
        (br_if $td (i32.ge_u (local.get $yp) (local.get $end)))
        (local.set $ys (f64.load (local.get $yp)))
        (local.set $r0 (f64.add (local.get $r0) (f64.mul (f64.load (local.get $x0)) (local.get $ys))))
        (local.set $r1 (f64.add (local.get $r1) (f64.mul (f64.load (local.get $x1)) (local.get $ys))))
        (local.set $r2 (f64.add (local.get $r2) (f64.mul (f64.load (local.get $x2)) (local.get $ys))))
        (local.set $r3 (f64.add (local.get $r3) (f64.mul (f64.load (local.get $x3)) (local.get $ys))))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 8)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 8)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 8)))
        (local.set $x3 (i32.add (local.get $x3) (i32.const 8)))
        (local.set $yp (i32.add (local.get $yp) (i32.const 8)))
        (br $tl)))
    (f64.store (local.get $out) (local.get $r0))
    (f64.store offset=8 (local.get $out) (local.get $r1))
    (f64.store offset=16 (local.get $out) (local.get $r2))
    (f64.store offset=24 (local.get $out) (local.get $r3)))

  ;; y = (((y - c0 x0) - c1 x1) - c2 x2) - c3 x3 for the rows x_r = x + r * ldx and the
  ;; coefficients at coef (byte addresses): four rows of subtractRows in one pass over y.
  (func $axpySub4 (param $y i32) (param $coef i32) (param $x i32) (param $ldx i32) (param $len i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $end i32)
    (local $c0 f64) (local $c1 f64) (local $c2 f64) (local $c3 f64)
    (local $c0v v128) (local $c1v v128) (local $c2v v128) (local $c3v v128)
    (local.set $c0 (f64.load (local.get $coef)))
    (local.set $c1 (f64.load offset=8 (local.get $coef)))
    (local.set $c2 (f64.load offset=16 (local.get $coef)))
    (local.set $c3 (f64.load offset=24 (local.get $coef)))
    (local.set $c0v (f64x2.splat (local.get $c0)))
    (local.set $c1v (f64x2.splat (local.get $c1)))
    (local.set $c2v (f64x2.splat (local.get $c2)))
    (local.set $c3v (f64x2.splat (local.get $c3)))
    (local.set $x0 (local.get $x))
    (local.set $x1 (i32.add (local.get $x0) (local.get $ldx)))
    (local.set $x2 (i32.add (local.get $x1) (local.get $ldx)))
    (local.set $x3 (i32.add (local.get $x2) (local.get $ldx)))
    (local.set $end (i32.add (local.get $y) (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $main
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (v128.store (local.get $y)
          (f64x2.sub
            (f64x2.sub
              (f64x2.sub
                (f64x2.sub (v128.load (local.get $y)) (f64x2.mul (local.get $c0v) (v128.load (local.get $x0))))
                (f64x2.mul (local.get $c1v) (v128.load (local.get $x1))))
              (f64x2.mul (local.get $c2v) (v128.load (local.get $x2))))
            (f64x2.mul (local.get $c3v) (v128.load (local.get $x3)))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 16)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 16)))
        (local.set $x3 (i32.add (local.get $x3) (i32.const 16)))
        (br $main)))
    (if (i32.and (local.get $len) (i32.const 1))
      (then
        (f64.store (local.get $y)
          (f64.sub
            (f64.sub
              (f64.sub
                (f64.sub (f64.load (local.get $y)) (f64.mul (local.get $c0) (f64.load (local.get $x0))))
                (f64.mul (local.get $c1) (f64.load (local.get $x1))))
              (f64.mul (local.get $c2) (f64.load (local.get $x2))))
            (f64.mul (local.get $c3) (f64.load (local.get $x3))))))))

  ;; Four rows of the Gram step (byte addresses): t[0..3] = row_r . q, then
  ;; z = (((z + t0 row0) + t1 row1) + t2 row2) + t3 row3, which is the row-by-row order.
  ;; Four independent dot products share each load of q, and z is read and written once for
  ;; four rows.
  (func $gram4 (param $row0 i32) (param $rowBytes i32) (param $q i32) (param $cols i32) (param $t i32) (param $z i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $qp i32) (local $end i32) (local $zp i32) (local $zEnd i32)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local $c0 v128) (local $c1 v128) (local $d0 v128) (local $d1 v128) (local $qv v128) (local $v v128)
    (local $t0 f64) (local $t1 f64) (local $t2 f64) (local $t3 f64)
    (local $t0v v128) (local $t1v v128) (local $t2v v128) (local $t3v v128) (local $q1 f64)
    (local.set $x0 (local.get $row0))
    (local.set $x1 (i32.add (local.get $x0) (local.get $rowBytes)))
    (local.set $x2 (i32.add (local.get $x1) (local.get $rowBytes)))
    (local.set $x3 (i32.add (local.get $x2) (local.get $rowBytes)))
    (local.set $qp (local.get $q))
    (local.set $end (i32.add (local.get $x0) (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 3))))
    (block $dd
      (loop $dl
        (br_if $dd (i32.ge_u (local.get $x0) (local.get $end)))
        (local.set $qv (v128.load (local.get $qp)))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load (local.get $x0)) (local.get $qv))))
        (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (v128.load (local.get $x1)) (local.get $qv))))
        (local.set $c0 (f64x2.add (local.get $c0) (f64x2.mul (v128.load (local.get $x2)) (local.get $qv))))
        (local.set $d0 (f64x2.add (local.get $d0) (f64x2.mul (v128.load (local.get $x3)) (local.get $qv))))
        (local.set $qv (v128.load offset=16 (local.get $qp)))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load offset=16 (local.get $x0)) (local.get $qv))))
        (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (v128.load offset=16 (local.get $x1)) (local.get $qv))))
        (local.set $c1 (f64x2.add (local.get $c1) (f64x2.mul (v128.load offset=16 (local.get $x2)) (local.get $qv))))
        (local.set $d1 (f64x2.add (local.get $d1) (f64x2.mul (v128.load offset=16 (local.get $x3)) (local.get $qv))))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 32)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 32)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 32)))
        (local.set $x3 (i32.add (local.get $x3) (i32.const 32)))
        (local.set $qp (i32.add (local.get $qp) (i32.const 32)))
        (br $dl)))
    (local.set $v (f64x2.add (local.get $a0) (local.get $a1)))
    (local.set $t0 (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
    (local.set $v (f64x2.add (local.get $b0) (local.get $b1)))
    (local.set $t1 (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
    (local.set $v (f64x2.add (local.get $c0) (local.get $c1)))
    (local.set $t2 (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
    (local.set $v (f64x2.add (local.get $d0) (local.get $d1)))
    (local.set $t3 (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
    (local.set $end (i32.add (local.get $row0) (local.get $rowBytes)))
    (block $td
      (loop $tl
        (br_if $td (i32.ge_u (local.get $x0) (local.get $end)))
        (local.set $q1 (f64.load (local.get $qp)))
        (local.set $t0 (f64.add (local.get $t0) (f64.mul (f64.load (local.get $x0)) (local.get $q1))))
        (local.set $t1 (f64.add (local.get $t1) (f64.mul (f64.load (local.get $x1)) (local.get $q1))))
        (local.set $t2 (f64.add (local.get $t2) (f64.mul (f64.load (local.get $x2)) (local.get $q1))))
        (local.set $t3 (f64.add (local.get $t3) (f64.mul (f64.load (local.get $x3)) (local.get $q1))))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 8)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 8)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 8)))
        (local.set $x3 (i32.add (local.get $x3) (i32.const 8)))
        (local.set $qp (i32.add (local.get $qp) (i32.const 8)))
        (br $tl)))
    (f64.store (local.get $t) (local.get $t0))
    (f64.store offset=8 (local.get $t) (local.get $t1))
    (f64.store offset=16 (local.get $t) (local.get $t2))
    (f64.store offset=24 (local.get $t) (local.get $t3))
    (local.set $t0v (f64x2.splat (local.get $t0)))
    (local.set $t1v (f64x2.splat (local.get $t1)))
    (local.set $t2v (f64x2.splat (local.get $t2)))
    (local.set $t3v (f64x2.splat (local.get $t3)))
    (local.set $x0 (local.get $row0))
    (local.set $x1 (i32.add (local.get $x0) (local.get $rowBytes)))
    (local.set $x2 (i32.add (local.get $x1) (local.get $rowBytes)))
    (local.set $x3 (i32.add (local.get $x2) (local.get $rowBytes)))
    (local.set $zp (local.get $z))
    (local.set $zEnd (i32.add (local.get $z) (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3))))
    (block $ud
      (loop $ul
        (br_if $ud (i32.ge_u (local.get $zp) (local.get $zEnd)))
        (v128.store (local.get $zp)
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.add (v128.load (local.get $zp)) (f64x2.mul (local.get $t0v) (v128.load (local.get $x0))))
                (f64x2.mul (local.get $t1v) (v128.load (local.get $x1))))
              (f64x2.mul (local.get $t2v) (v128.load (local.get $x2))))
            (f64x2.mul (local.get $t3v) (v128.load (local.get $x3)))))
        (local.set $zp (i32.add (local.get $zp) (i32.const 16)))
        (local.set $x0 (i32.add (local.get $x0) (i32.const 16)))
        (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
        (local.set $x2 (i32.add (local.get $x2) (i32.const 16)))
        (local.set $x3 (i32.add (local.get $x3) (i32.const 16)))
        (br $ul)))
    (if (i32.and (local.get $cols) (i32.const 1))
      (then
        (f64.store (local.get $zp)
          (f64.add
            (f64.add
              (f64.add
                (f64.add (f64.load (local.get $zp)) (f64.mul (local.get $t0) (f64.load (local.get $x0))))
                (f64.mul (local.get $t1) (f64.load (local.get $x1))))
              (f64.mul (local.get $t2) (f64.load (local.get $x2))))
            (f64.mul (local.get $t3) (f64.load (local.get $x3))))))))

  ;; z += Σ_i t_i a_i with t_i = a_i . q over the rows i < rows of the f64 matrix at a (byte
  ;; addresses; z is not cleared): quads of rows, then pairs, then one, always in row order.
  (func $gramRows (param $a i32) (param $rows i32) (param $cols i32) (param $q i32) (param $t i32) (param $z i32)
    (local $i i32) (local $row0 i32) (local $row1 i32) (local $rowBytes i32)
    (local $x0 i32) (local $x1 i32) (local $qp i32) (local $end i32) (local $zp i32)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128) (local $qv v128) (local $v v128)
    (local $t0 f64) (local $t1 f64) (local $t0v v128) (local $t1v v128) (local $k i32) (local $zEnd i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $zEnd (i32.add (local.get $z) (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3))))
    (block $quadsDone
      (loop $quads
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $rows)))
        (call $gram4 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes)))
          (local.get $rowBytes) (local.get $q) (local.get $cols)
          (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 3))) (local.get $z))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $quads)))
    ;; The last rows mod 4: two at a time, then one.
    (block $pairsDone
      (loop $pairs
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $rows)))
        (local.set $row0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $row1 (i32.add (local.get $row0) (local.get $rowBytes)))
        (local.set $x0 (local.get $row0))
        (local.set $x1 (local.get $row1))
        (local.set $qp (local.get $q))
        (local.set $a0 (v128.const f64x2 0 0))
        (local.set $a1 (v128.const f64x2 0 0))
        (local.set $b0 (v128.const f64x2 0 0))
        (local.set $b1 (v128.const f64x2 0 0))
        (local.set $end (i32.add (local.get $x0) (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 3))))
        (block $dd
          (loop $dl
            (br_if $dd (i32.ge_u (local.get $x0) (local.get $end)))
            (local.set $qv (v128.load (local.get $qp)))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load (local.get $x0)) (local.get $qv))))
            (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (v128.load (local.get $x1)) (local.get $qv))))
            (local.set $qv (v128.load offset=16 (local.get $qp)))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load offset=16 (local.get $x0)) (local.get $qv))))
            (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (v128.load offset=16 (local.get $x1)) (local.get $qv))))
            (local.set $x0 (i32.add (local.get $x0) (i32.const 32)))
            (local.set $x1 (i32.add (local.get $x1) (i32.const 32)))
            (local.set $qp (i32.add (local.get $qp) (i32.const 32)))
            (br $dl)))
        (local.set $v (f64x2.add (local.get $a0) (local.get $a1)))
        (local.set $t0 (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
        (local.set $v (f64x2.add (local.get $b0) (local.get $b1)))
        (local.set $t1 (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))
        (local.set $end (i32.add (local.get $row0) (local.get $rowBytes)))
        (block $td
          (loop $tl
            (br_if $td (i32.ge_u (local.get $x0) (local.get $end)))
            (local.set $t0 (f64.add (local.get $t0) (f64.mul (f64.load (local.get $x0)) (f64.load (local.get $qp)))))
            (local.set $t1 (f64.add (local.get $t1) (f64.mul (f64.load (local.get $x1)) (f64.load (local.get $qp)))))
            (local.set $x0 (i32.add (local.get $x0) (i32.const 8)))
            (local.set $x1 (i32.add (local.get $x1) (i32.const 8)))
            (local.set $qp (i32.add (local.get $qp) (i32.const 8)))
            (br $tl)))
        (f64.store (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 3))) (local.get $t0))
        (f64.store offset=8 (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 3))) (local.get $t1))
        (local.set $t0v (f64x2.splat (local.get $t0)))
        (local.set $t1v (f64x2.splat (local.get $t1)))
        (local.set $zp (local.get $z))
        (local.set $x0 (local.get $row0))
        (local.set $x1 (local.get $row1))
        (block $ud
          (loop $ul
            (br_if $ud (i32.ge_u (local.get $zp) (local.get $zEnd)))
            (v128.store (local.get $zp)
              (f64x2.add
                (f64x2.add (v128.load (local.get $zp)) (f64x2.mul (local.get $t0v) (v128.load (local.get $x0))))
                (f64x2.mul (local.get $t1v) (v128.load (local.get $x1)))))
            (local.set $zp (i32.add (local.get $zp) (i32.const 16)))
            (local.set $x0 (i32.add (local.get $x0) (i32.const 16)))
            (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
            (br $ul)))
        (if (i32.and (local.get $cols) (i32.const 1))
          (then
            (f64.store (local.get $zp)
              (f64.add
                (f64.add (f64.load (local.get $zp)) (f64.mul (local.get $t0) (f64.load (local.get $x0))))
                (f64.mul (local.get $t1) (f64.load (local.get $x1)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_u (local.get $i) (local.get $rows))
      (then
        (local.set $row0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $t0 (call $dot (local.get $row0) (local.get $q) (local.get $cols)))
        (f64.store (i32.add (local.get $t) (i32.shl (local.get $i) (i32.const 3))) (local.get $t0))
        (local.set $t0v (f64x2.splat (local.get $t0)))
        (local.set $zp (local.get $z))
        (local.set $x0 (local.get $row0))
        (block $ud1
          (loop $ul1
            (br_if $ud1 (i32.ge_u (local.get $zp) (local.get $zEnd)))
            (v128.store (local.get $zp)
              (f64x2.add (v128.load (local.get $zp)) (f64x2.mul (local.get $t0v) (v128.load (local.get $x0)))))
            (local.set $zp (i32.add (local.get $zp) (i32.const 16)))
            (local.set $x0 (i32.add (local.get $x0) (i32.const 16)))
            (br $ul1)))
        (if (i32.and (local.get $cols) (i32.const 1))
          (then
            (f64.store (local.get $zp)
              (f64.add (f64.load (local.get $zp)) (f64.mul (local.get $t0) (f64.load (local.get $x0))))))))))

  (func (export "gramStep") (param $a i32) (param $rows i32) (param $cols i32) (param $q i32) (param $t i32) (param $z i32)
    (memory.fill (i32.shl (local.get $z) (i32.const 3)) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (call $gramRows (i32.shl (local.get $a) (i32.const 3)) (local.get $rows) (local.get $cols)
      (i32.shl (local.get $q) (i32.const 3)) (i32.shl (local.get $t) (i32.const 3)) (i32.shl (local.get $z) (i32.const 3))))

  ;; ---- The Gram step on uint8 storage (integer samples 0..255), in exact integer arithmetic ----
  ;;
  ;; A vector x of len float64 values is rounded to a fixed-point image and cut into int16 limb
  ;; vectors. Precise (3 limbs): with s = max |x_j| and E = 45 - exponent(s), X_j = floor(x_j
  ;; 2^E + 0.5) is an integer of at most 46 bits, X_j = L0_j 2^32 + L1_j 2^16 + L2_j with L1, L2
  ;; in [-32768, 32767] and |L0| <= 16385. Fast (2 limbs): E = 29 - exponent(s), |X_j| <= 2^30,
  ;; X_j = L0_j 2^16 + L1_j with L1 in [-32768, 32767] and |L0| <= 16384: x to about 2^-30 of its
  ;; largest entry. A row of A times x is then Σ_j a_j X_j 2^-E = ((D0 2^16 + D1) 2^16 + D2)
  ;; 2^-E (fast: (D0 2^16 + D1) 2^-E) with D_l = Σ_j a_j L_l_j, sums of integers formed exactly
  ;; (i32x4.dot_i16x8_s, flushed into float64 every 1024 samples, before any 32-bit lane can
  ;; overflow: 128 dots of at most 2 * 255 * 32768 each). Every step is exact but the last
  ;; combination, so the order of the sums does not matter and the TypeScript twin gives the
  ;; same bits.

  ;; Cuts the len float64 values at byte x into two int16 limb rows at byte limbs, limbStride
  ;; bytes apart (limb l at limbs + l * limbStride), two values at a time; returns 2^-E (0 for
  ;; a zero vector).
  (func $splitLimbs2 (param $x i32) (param $len i32) (param $limbs i32) (param $limbStride i32) (result f64)
    (local $p i32) (local $end i32) (local $end2 i32) (local $s f64) (local $e i32) (local $up f64) (local $dst i32)
    (local $m v128) (local $upv v128) (local $v v128) (local $l v128) (local $vs f64) (local $ls f64)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $len) (i32.const 3))))
    (local.set $end2 (i32.add (local.get $x) (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3))))
    (local.set $p (local.get $x))
    (block $maxDone
      (loop $max
        (br_if $maxDone (i32.ge_u (local.get $p) (local.get $end2)))
        (local.set $m (f64x2.max (local.get $m) (f64x2.abs (v128.load (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $max)))
    (local.set $s (f64.max (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $m))))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then (local.set $s (f64.max (local.get $s) (f64.abs (f64.load (local.get $p)))))))
    (if (f64.eq (local.get $s) (f64.const 0))
      (then
        (memory.fill (local.get $limbs) (i32.const 0) (i32.shl (local.get $len) (i32.const 1)))
        (memory.fill (i32.add (local.get $limbs) (local.get $limbStride)) (i32.const 0) (i32.shl (local.get $len) (i32.const 1)))
        (return (f64.const 0))))
    ;; E = 29 - (biased exponent - 1023), at most 1022 so that 2^E and 2^-E are normal.
    (local.set $e (i32.sub (i32.const 1052)
      (i32.and (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $s)) (i64.const 52))) (i32.const 2047))))
    (if (i32.gt_s (local.get $e) (i32.const 1022)) (then (local.set $e (i32.const 1022))))
    (local.set $up (f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add (local.get $e) (i32.const 1023))) (i64.const 52))))
    (local.set $upv (f64x2.splat (local.get $up)))
    (local.set $p (local.get $x))
    (local.set $dst (local.get $limbs))
    (block $done
      (loop $cut
        (br_if $done (i32.ge_u (local.get $p) (local.get $end2)))
        (local.set $v (f64x2.floor (f64x2.add (f64x2.mul (v128.load (local.get $p)) (local.get $upv)) (v128.const f64x2 0.5 0.5))))
        (local.set $l (f64x2.sub (local.get $v) (f64x2.mul (f64x2.floor (f64x2.mul (f64x2.add (local.get $v) (v128.const f64x2 32768 32768)) (v128.const f64x2 0x1p-16 0x1p-16))) (v128.const f64x2 65536 65536))))
        (v128.store32_lane 0 (i32.add (local.get $dst) (local.get $limbStride))
          (i16x8.narrow_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $l)) (local.get $l)))
        (v128.store32_lane 0 (local.get $dst)
          (i16x8.narrow_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (f64x2.mul (f64x2.sub (local.get $v) (local.get $l)) (v128.const f64x2 0x1p-16 0x1p-16))) (local.get $l)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $cut)))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (local.set $vs (f64.floor (f64.add (f64.mul (f64.load (local.get $p)) (local.get $up)) (f64.const 0.5))))
        (local.set $ls (f64.sub (local.get $vs) (f64.mul (f64.floor (f64.mul (f64.add (local.get $vs) (f64.const 32768)) (f64.const 0x1p-16))) (f64.const 65536))))
        (i32.store16 (i32.add (local.get $dst) (local.get $limbStride)) (i32.trunc_sat_f64_s (local.get $ls)))
        (i32.store16 (local.get $dst) (i32.trunc_sat_f64_s (f64.mul (f64.sub (local.get $vs) (local.get $ls)) (f64.const 0x1p-16))))))
    (f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.sub (i32.const 1023) (local.get $e))) (i64.const 52))))

  ;; Cuts the len float64 values at byte x into three int16 limb rows at byte limbs, limbStride
  ;; bytes apart (limb l at limbs + l * limbStride); returns 2^-E (0 for a zero vector).
  (func $splitLimbs3 (param $x i32) (param $len i32) (param $limbs i32) (param $limbStride i32) (result f64)
    (local $p i32) (local $end i32) (local $s f64) (local $e i32) (local $up f64) (local $v f64) (local $r f64) (local $l f64) (local $dst i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $len) (i32.const 3))))
    (local.set $p (local.get $x))
    (block $maxDone
      (loop $max
        (br_if $maxDone (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $s (f64.max (local.get $s) (f64.abs (f64.load (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $max)))
    (if (f64.eq (local.get $s) (f64.const 0))
      (then
        (local.set $dst (local.get $limbs))
        (memory.fill (local.get $limbs) (i32.const 0) (i32.shl (local.get $len) (i32.const 1)))
        (memory.fill (i32.add (local.get $limbs) (local.get $limbStride)) (i32.const 0) (i32.shl (local.get $len) (i32.const 1)))
        (memory.fill (i32.add (local.get $limbs) (i32.shl (local.get $limbStride) (i32.const 1))) (i32.const 0) (i32.shl (local.get $len) (i32.const 1)))
        (return (f64.const 0))))
    ;; E = 45 - (biased exponent - 1023), at most 1022 so that 2^E and 2^-E are normal.
    (local.set $e (i32.sub (i32.const 1068)
      (i32.and (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $s)) (i64.const 52))) (i32.const 2047))))
    (if (i32.gt_s (local.get $e) (i32.const 1022)) (then (local.set $e (i32.const 1022))))
    (local.set $up (f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add (local.get $e) (i32.const 1023))) (i64.const 52))))
    (local.set $p (local.get $x))
    (local.set $dst (local.get $limbs))
    (block $done
      (loop $cut
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (f64.floor (f64.add (f64.mul (f64.load (local.get $p)) (local.get $up)) (f64.const 0.5))))
        (local.set $l (f64.sub (local.get $v) (f64.mul (f64.floor (f64.mul (f64.add (local.get $v) (f64.const 32768)) (f64.const 0x1p-16))) (f64.const 65536))))
        (i32.store16 (i32.add (local.get $dst) (i32.shl (local.get $limbStride) (i32.const 1))) (i32.trunc_sat_f64_s (local.get $l)))
        (local.set $r (f64.mul (f64.sub (local.get $v) (local.get $l)) (f64.const 0x1p-16)))
        (local.set $l (f64.sub (local.get $r) (f64.mul (f64.floor (f64.mul (f64.add (local.get $r) (f64.const 32768)) (f64.const 0x1p-16))) (f64.const 65536))))
        (i32.store16 (i32.add (local.get $dst) (local.get $limbStride)) (i32.trunc_sat_f64_s (local.get $l)))
        (i32.store16 (local.get $dst) (i32.trunc_sat_f64_s (f64.mul (f64.sub (local.get $r) (local.get $l)) (f64.const 0x1p-16))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 2)))
        (br $cut)))
    (f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.sub (i32.const 1023) (local.get $e))) (i64.const 52))))

  ;; The sum of the four 32-bit lanes of c, exactly, as float64.
  (func $laneSum (param $c v128) (result f64)
    (local $s v128)
    (local.set $s (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c))
      (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c) (local.get $c)))))
    (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))

  ;; out[i] (float64, byte address) = row_i . X 2^-E for the rows < rows of the uint8 matrix at
  ;; byte mat (rows stride bytes apart, stride a multiple of 16, padding zero), X in two limb
  ;; rows at byte limbs (limbStride = 2 * stride bytes apart), four rows at a time (a last
  ;; group of fewer repeats its last row; only the real rows are stored).
  (func $dotsU8x2 (param $mat i32) (param $rows i32) (param $stride i32) (param $limbs i32) (param $out i32) (param $scale f64)
    (local $i i32) (local $n i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $l0 i32) (local $l1 i32) (local $off i32) (local $bend i32)
    (local $x v128) (local $m0 v128) (local $m1 v128) (local $lz v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $d00 f64) (local $d01 f64) (local $d10 f64) (local $d11 f64) (local $d20 f64) (local $d21 f64) (local $d30 f64) (local $d31 f64)
    (block $rowsDone
      (loop $groups
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $n (i32.sub (local.get $rows) (local.get $i)))
        (local.set $r0 (i32.add (local.get $mat) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $r1 (select (i32.add (local.get $r0) (local.get $stride)) (local.get $r0) (i32.gt_u (local.get $n) (i32.const 1))))
        (local.set $r2 (select (i32.add (local.get $r1) (local.get $stride)) (local.get $r1) (i32.gt_u (local.get $n) (i32.const 2))))
        (local.set $r3 (select (i32.add (local.get $r2) (local.get $stride)) (local.get $r2) (i32.gt_u (local.get $n) (i32.const 3))))
        (local.set $d00 (f64.const 0)) (local.set $d01 (f64.const 0)) (local.set $d10 (f64.const 0)) (local.set $d11 (f64.const 0))
        (local.set $d20 (f64.const 0)) (local.set $d21 (f64.const 0)) (local.set $d30 (f64.const 0)) (local.set $d31 (f64.const 0))
        (local.set $off (i32.const 0))
        (block $blocksDone
          (loop $blocks
            (br_if $blocksDone (i32.ge_u (local.get $off) (local.get $stride)))
            (local.set $bend (i32.add (local.get $off) (i32.const 1024)))
            (if (i32.gt_u (local.get $bend) (local.get $stride)) (then (local.set $bend (local.get $stride))))
            (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
            (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
            (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
            (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
            (local.set $l0 (i32.add (local.get $limbs) (i32.shl (local.get $off) (i32.const 1))))
            (local.set $l1 (i32.add (local.get $l0) (i32.shl (local.get $stride) (i32.const 1))))
            ;; Eight samples per pass (the stride is a multiple of 16). Sixteen per pass, as this loop
            ;; once took, made V8 load all eight rows' samples first and spill accumulators to the
            ;; stack inside the loop; at eight, the 14 vectors stay in registers (2-11 % faster in
            ;; paired runs).
            (loop $inner
              (local.set $m0 (v128.load (local.get $l0)))
              (local.set $m1 (v128.load (local.get $l1)))
              (local.set $x (v128.load8x8_u (i32.add (local.get $r0) (local.get $off))))
              (local.set $c00 (i32x4.add (local.get $c00) (i32x4.dot_i16x8_s (local.get $x) (local.get $m0))))
              (local.set $c01 (i32x4.add (local.get $c01) (i32x4.dot_i16x8_s (local.get $x) (local.get $m1))))
              (local.set $x (v128.load8x8_u (i32.add (local.get $r1) (local.get $off))))
              (local.set $c10 (i32x4.add (local.get $c10) (i32x4.dot_i16x8_s (local.get $x) (local.get $m0))))
              (local.set $c11 (i32x4.add (local.get $c11) (i32x4.dot_i16x8_s (local.get $x) (local.get $m1))))
              (local.set $x (v128.load8x8_u (i32.add (local.get $r2) (local.get $off))))
              (local.set $c20 (i32x4.add (local.get $c20) (i32x4.dot_i16x8_s (local.get $x) (local.get $m0))))
              (local.set $c21 (i32x4.add (local.get $c21) (i32x4.dot_i16x8_s (local.get $x) (local.get $m1))))
              (local.set $x (v128.load8x8_u (i32.add (local.get $r3) (local.get $off))))
              (local.set $c30 (i32x4.add (local.get $c30) (i32x4.dot_i16x8_s (local.get $x) (local.get $m0))))
              (local.set $c31 (i32x4.add (local.get $c31) (i32x4.dot_i16x8_s (local.get $x) (local.get $m1))))
              (local.set $l0 (i32.add (local.get $l0) (i32.const 16)))
              (local.set $l1 (i32.add (local.get $l1) (i32.const 16)))
              (local.set $off (i32.add (local.get $off) (i32.const 8)))
              (br_if $inner (i32.lt_u (local.get $off) (local.get $bend))))
            ;; d += the exact sum of c's four lanes, inline (a call per sum took 6-13 % of the step).
            (local.set $d00 (f64.add (local.get $d00) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c00))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c00) (local.get $c00))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d01 (f64.add (local.get $d01) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c01))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c01) (local.get $c01))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d10 (f64.add (local.get $d10) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c10))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c10) (local.get $c10))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d11 (f64.add (local.get $d11) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c11))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c11) (local.get $c11))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d20 (f64.add (local.get $d20) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c20))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c20) (local.get $c20))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d21 (f64.add (local.get $d21) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c21))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c21) (local.get $c21))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d30 (f64.add (local.get $d30) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c30))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c30) (local.get $c30))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d31 (f64.add (local.get $d31) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c31))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c31) (local.get $c31))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (br $blocks)))
        (f64.store (local.get $out)
          (f64.mul (f64.add (f64.mul (local.get $d00) (f64.const 65536)) (local.get $d01)) (local.get $scale)))
        (if (i32.gt_u (local.get $n) (i32.const 1))
          (then (f64.store offset=8 (local.get $out)
            (f64.mul (f64.add (f64.mul (local.get $d10) (f64.const 65536)) (local.get $d11)) (local.get $scale)))))
        (if (i32.gt_u (local.get $n) (i32.const 2))
          (then (f64.store offset=16 (local.get $out)
            (f64.mul (f64.add (f64.mul (local.get $d20) (f64.const 65536)) (local.get $d21)) (local.get $scale)))))
        (if (i32.gt_u (local.get $n) (i32.const 3))
          (then (f64.store offset=24 (local.get $out)
            (f64.mul (f64.add (f64.mul (local.get $d30) (f64.const 65536)) (local.get $d31)) (local.get $scale)))))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $groups))))

  ;; out[i] (float64, byte address) = row_i . X 2^-E for the rows < rows of the uint8 matrix at
  ;; byte mat (rows stride bytes apart, stride a multiple of 16, padding zero), X in three limb
  ;; rows at byte limbs (limbStride = 2 * stride bytes apart), two rows at a time.
  (func $dotsU8x3 (param $mat i32) (param $rows i32) (param $stride i32) (param $limbs i32) (param $out i32) (param $scale f64)
    (local $i i32) (local $r0 i32) (local $r1 i32) (local $l i32) (local $off i32) (local $bend i32) (local $ls i32) (local $last i32)
    (local $a0 v128) (local $a1 v128) (local $lz v128) (local $x0 v128) (local $x1 v128) (local $m0 v128) (local $m1 v128) (local $m2 v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128)
    (local $d00 f64) (local $d01 f64) (local $d02 f64) (local $d10 f64) (local $d11 f64) (local $d12 f64)
    (local.set $ls (i32.shl (local.get $stride) (i32.const 1)))
    (block $rowsDone
      (loop $pairs
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $r0 (i32.add (local.get $mat) (i32.mul (local.get $i) (local.get $stride))))
        ;; An odd last row is paired with itself; only its first result is stored.
        (local.set $last (i32.eq (i32.add (local.get $i) (i32.const 1)) (local.get $rows)))
        (local.set $r1 (select (local.get $r0) (i32.add (local.get $r0) (local.get $stride)) (local.get $last)))
        (local.set $d00 (f64.const 0)) (local.set $d01 (f64.const 0)) (local.set $d02 (f64.const 0))
        (local.set $d10 (f64.const 0)) (local.set $d11 (f64.const 0)) (local.set $d12 (f64.const 0))
        (local.set $off (i32.const 0))
        (block $blocksDone
          (loop $blocks
            (br_if $blocksDone (i32.ge_u (local.get $off) (local.get $stride)))
            (local.set $bend (i32.add (local.get $off) (i32.const 1024)))
            (if (i32.gt_u (local.get $bend) (local.get $stride)) (then (local.set $bend (local.get $stride))))
            (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0)) (local.set $c02 (v128.const i32x4 0 0 0 0))
            (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0)) (local.set $c12 (v128.const i32x4 0 0 0 0))
            (loop $inner
              (local.set $l (i32.add (local.get $limbs) (i32.shl (local.get $off) (i32.const 1))))
              (local.set $a0 (v128.load (i32.add (local.get $r0) (local.get $off))))
              (local.set $a1 (v128.load (i32.add (local.get $r1) (local.get $off))))
              (local.set $m0 (v128.load (local.get $l)))
              (local.set $m1 (v128.load (i32.add (local.get $l) (local.get $ls))))
              (local.set $m2 (v128.load (i32.add (local.get $l) (i32.shl (local.get $ls) (i32.const 1)))))
              (local.set $x0 (i16x8.extend_low_i8x16_u (local.get $a0)))
              (local.set $x1 (i16x8.extend_low_i8x16_u (local.get $a1)))
              (local.set $c00 (i32x4.add (local.get $c00) (i32x4.dot_i16x8_s (local.get $x0) (local.get $m0))))
              (local.set $c01 (i32x4.add (local.get $c01) (i32x4.dot_i16x8_s (local.get $x0) (local.get $m1))))
              (local.set $c02 (i32x4.add (local.get $c02) (i32x4.dot_i16x8_s (local.get $x0) (local.get $m2))))
              (local.set $c10 (i32x4.add (local.get $c10) (i32x4.dot_i16x8_s (local.get $x1) (local.get $m0))))
              (local.set $c11 (i32x4.add (local.get $c11) (i32x4.dot_i16x8_s (local.get $x1) (local.get $m1))))
              (local.set $c12 (i32x4.add (local.get $c12) (i32x4.dot_i16x8_s (local.get $x1) (local.get $m2))))
              (local.set $m0 (v128.load offset=16 (local.get $l)))
              (local.set $m1 (v128.load offset=16 (i32.add (local.get $l) (local.get $ls))))
              (local.set $m2 (v128.load offset=16 (i32.add (local.get $l) (i32.shl (local.get $ls) (i32.const 1)))))
              (local.set $x0 (i16x8.extend_high_i8x16_u (local.get $a0)))
              (local.set $x1 (i16x8.extend_high_i8x16_u (local.get $a1)))
              (local.set $c00 (i32x4.add (local.get $c00) (i32x4.dot_i16x8_s (local.get $x0) (local.get $m0))))
              (local.set $c01 (i32x4.add (local.get $c01) (i32x4.dot_i16x8_s (local.get $x0) (local.get $m1))))
              (local.set $c02 (i32x4.add (local.get $c02) (i32x4.dot_i16x8_s (local.get $x0) (local.get $m2))))
              (local.set $c10 (i32x4.add (local.get $c10) (i32x4.dot_i16x8_s (local.get $x1) (local.get $m0))))
              (local.set $c11 (i32x4.add (local.get $c11) (i32x4.dot_i16x8_s (local.get $x1) (local.get $m1))))
              (local.set $c12 (i32x4.add (local.get $c12) (i32x4.dot_i16x8_s (local.get $x1) (local.get $m2))))
              (local.set $off (i32.add (local.get $off) (i32.const 16)))
              (br_if $inner (i32.lt_u (local.get $off) (local.get $bend))))
            ;; d += the exact sum of c's four lanes, inline (a call per sum took 6-13 % of the step).
            (local.set $d00 (f64.add (local.get $d00) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c00))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c00) (local.get $c00))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d01 (f64.add (local.get $d01) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c01))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c01) (local.get $c01))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d02 (f64.add (local.get $d02) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c02))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c02) (local.get $c02))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d10 (f64.add (local.get $d10) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c10))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c10) (local.get $c10))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d11 (f64.add (local.get $d11) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c11))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c11) (local.get $c11))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (local.set $d12 (f64.add (local.get $d12) (f64.add
              (f64x2.extract_lane 0 (local.tee $lz (f64x2.add (f64x2.convert_low_i32x4_s (local.get $c12))
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c12) (local.get $c12))))))
              (f64x2.extract_lane 1 (local.get $lz)))))
            (br $blocks)))
        (f64.store (local.get $out)
          (f64.mul (f64.add (f64.mul (f64.add (f64.mul (local.get $d00) (f64.const 65536)) (local.get $d01)) (f64.const 65536)) (local.get $d02)) (local.get $scale)))
        (if (i32.eqz (local.get $last))
          (then
            (f64.store offset=8 (local.get $out)
              (f64.mul (f64.add (f64.mul (f64.add (f64.mul (local.get $d10) (f64.const 65536)) (local.get $d11)) (f64.const 65536)) (local.get $d12)) (local.get $scale)))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $pairs))))

  ;; The Gram step on uint8 storage: A (rows x cols, row stride strideA bytes) from byte a8, its
  ;; transpose (cols x rows, row stride strideT bytes) from byte at8, both with zero padding;
  ;; t = A q, z = Aᵀ t, each through the limbs of its input vector (count = 3 (precise) or 2
  ;; (fast) rows of max(strideA, strideT) int16 values from byte limbs). q, t and z are float64
  ;; element offsets.
  (func (export "gramStepU8") (param $a8 i32) (param $at8 i32) (param $rows i32) (param $cols i32) (param $q i32) (param $t i32) (param $z i32) (param $limbs i32) (param $count i32)
    (local $strideA i32) (local $strideT i32) (local $scale f64)
    (local.set $strideA (i32.and (i32.add (local.get $cols) (i32.const 15)) (i32.const -16)))
    (local.set $strideT (i32.and (i32.add (local.get $rows) (i32.const 15)) (i32.const -16)))
    (if (i32.eq (local.get $count) (i32.const 3))
      (then
        (local.set $scale (call $splitLimbs3 (i32.shl (local.get $q) (i32.const 3)) (local.get $cols) (local.get $limbs) (i32.shl (local.get $strideA) (i32.const 1))))
        (call $dotsU8x3 (local.get $a8) (local.get $rows) (local.get $strideA) (local.get $limbs) (i32.shl (local.get $t) (i32.const 3)) (local.get $scale))
        (local.set $scale (call $splitLimbs3 (i32.shl (local.get $t) (i32.const 3)) (local.get $rows) (local.get $limbs) (i32.shl (local.get $strideT) (i32.const 1))))
        (call $dotsU8x3 (local.get $at8) (local.get $cols) (local.get $strideT) (local.get $limbs) (i32.shl (local.get $z) (i32.const 3)) (local.get $scale)))
      (else
        (local.set $scale (call $splitLimbs2 (i32.shl (local.get $q) (i32.const 3)) (local.get $cols) (local.get $limbs) (i32.shl (local.get $strideA) (i32.const 1))))
        (call $dotsU8x2 (local.get $a8) (local.get $rows) (local.get $strideA) (local.get $limbs) (i32.shl (local.get $t) (i32.const 3)) (local.get $scale))
        (local.set $scale (call $splitLimbs2 (i32.shl (local.get $t) (i32.const 3)) (local.get $rows) (local.get $limbs) (i32.shl (local.get $strideT) (i32.const 1))))
        (call $dotsU8x2 (local.get $at8) (local.get $cols) (local.get $strideT) (local.get $limbs) (i32.shl (local.get $z) (i32.const 3)) (local.get $scale)))))

  ;; The 16 x 16 bytes at src (rows srcStride apart) transposed to dst (rows dstStride apart):
  ;; four rounds of interleaving (bytes, then pairs, quads and octets of rows), 64 shuffles
  ;; that engines compile to unpack instructions. Generated and checked by simulation.
  (func $transposeTile (param $src i32) (param $srcStride i32) (param $dst i32) (param $dstStride i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $r4 v128) (local $r5 v128) (local $r6 v128) (local $r7 v128) (local $r8 v128) (local $r9 v128) (local $r10 v128) (local $r11 v128) (local $r12 v128) (local $r13 v128) (local $r14 v128) (local $r15 v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128) (local $a8 v128) (local $a9 v128) (local $a10 v128) (local $a11 v128) (local $a12 v128) (local $a13 v128) (local $a14 v128) (local $a15 v128) (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $b4 v128) (local $b5 v128) (local $b6 v128) (local $b7 v128) (local $b8 v128) (local $b9 v128) (local $b10 v128) (local $b11 v128) (local $b12 v128) (local $b13 v128) (local $b14 v128) (local $b15 v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128) (local $c8 v128) (local $c9 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128) (local $c14 v128) (local $c15 v128) (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128) (local $d4 v128) (local $d5 v128) (local $d6 v128) (local $d7 v128) (local $d8 v128) (local $d9 v128) (local $d10 v128) (local $d11 v128) (local $d12 v128) (local $d13 v128) (local $d14 v128) (local $d15 v128)
    (local.set $r0 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 0) (local.get $srcStride)))))
    (local.set $r1 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 1) (local.get $srcStride)))))
    (local.set $r2 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 2) (local.get $srcStride)))))
    (local.set $r3 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 3) (local.get $srcStride)))))
    (local.set $r4 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 4) (local.get $srcStride)))))
    (local.set $r5 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 5) (local.get $srcStride)))))
    (local.set $r6 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 6) (local.get $srcStride)))))
    (local.set $r7 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 7) (local.get $srcStride)))))
    (local.set $r8 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 8) (local.get $srcStride)))))
    (local.set $r9 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 9) (local.get $srcStride)))))
    (local.set $r10 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 10) (local.get $srcStride)))))
    (local.set $r11 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 11) (local.get $srcStride)))))
    (local.set $r12 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 12) (local.get $srcStride)))))
    (local.set $r13 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 13) (local.get $srcStride)))))
    (local.set $r14 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 14) (local.get $srcStride)))))
    (local.set $r15 (v128.load (i32.add (local.get $src) (i32.mul (i32.const 15) (local.get $srcStride)))))
    (local.set $a0 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $r0) (local.get $r1)))
    (local.set $a1 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $r0) (local.get $r1)))
    (local.set $a2 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $r2) (local.get $r3)))
    (local.set $a3 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $r2) (local.get $r3)))
    (local.set $a4 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $r4) (local.get $r5)))
    (local.set $a5 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $r4) (local.get $r5)))
    (local.set $a6 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $r6) (local.get $r7)))
    (local.set $a7 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $r6) (local.get $r7)))
    (local.set $a8 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $r8) (local.get $r9)))
    (local.set $a9 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $r8) (local.get $r9)))
    (local.set $a10 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $r10) (local.get $r11)))
    (local.set $a11 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $r10) (local.get $r11)))
    (local.set $a12 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $r12) (local.get $r13)))
    (local.set $a13 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $r12) (local.get $r13)))
    (local.set $a14 (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $r14) (local.get $r15)))
    (local.set $a15 (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $r14) (local.get $r15)))
    (local.set $b0 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a0) (local.get $a2)))
    (local.set $b1 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a0) (local.get $a2)))
    (local.set $b2 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a1) (local.get $a3)))
    (local.set $b3 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a1) (local.get $a3)))
    (local.set $b4 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a4) (local.get $a6)))
    (local.set $b5 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a4) (local.get $a6)))
    (local.set $b6 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a5) (local.get $a7)))
    (local.set $b7 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a5) (local.get $a7)))
    (local.set $b8 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a8) (local.get $a10)))
    (local.set $b9 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a8) (local.get $a10)))
    (local.set $b10 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a9) (local.get $a11)))
    (local.set $b11 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a9) (local.get $a11)))
    (local.set $b12 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a12) (local.get $a14)))
    (local.set $b13 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a12) (local.get $a14)))
    (local.set $b14 (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $a13) (local.get $a15)))
    (local.set $b15 (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $a13) (local.get $a15)))
    (local.set $c0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b0) (local.get $b4)))
    (local.set $c1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b0) (local.get $b4)))
    (local.set $c2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b1) (local.get $b5)))
    (local.set $c3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b1) (local.get $b5)))
    (local.set $c4 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b2) (local.get $b6)))
    (local.set $c5 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b2) (local.get $b6)))
    (local.set $c6 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b3) (local.get $b7)))
    (local.set $c7 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b3) (local.get $b7)))
    (local.set $c8 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b8) (local.get $b12)))
    (local.set $c9 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b8) (local.get $b12)))
    (local.set $c10 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b9) (local.get $b13)))
    (local.set $c11 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b9) (local.get $b13)))
    (local.set $c12 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b10) (local.get $b14)))
    (local.set $c13 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b10) (local.get $b14)))
    (local.set $c14 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $b11) (local.get $b15)))
    (local.set $c15 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $b11) (local.get $b15)))
    (local.set $d0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c0) (local.get $c8)))
    (local.set $d1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c0) (local.get $c8)))
    (local.set $d2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c1) (local.get $c9)))
    (local.set $d3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c1) (local.get $c9)))
    (local.set $d4 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c2) (local.get $c10)))
    (local.set $d5 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c2) (local.get $c10)))
    (local.set $d6 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c3) (local.get $c11)))
    (local.set $d7 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c3) (local.get $c11)))
    (local.set $d8 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c4) (local.get $c12)))
    (local.set $d9 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c4) (local.get $c12)))
    (local.set $d10 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c5) (local.get $c13)))
    (local.set $d11 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c5) (local.get $c13)))
    (local.set $d12 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c6) (local.get $c14)))
    (local.set $d13 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c6) (local.get $c14)))
    (local.set $d14 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c7) (local.get $c15)))
    (local.set $d15 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c7) (local.get $c15)))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 0) (local.get $dstStride))) (local.get $d0))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 1) (local.get $dstStride))) (local.get $d1))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 2) (local.get $dstStride))) (local.get $d2))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 3) (local.get $dstStride))) (local.get $d3))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 4) (local.get $dstStride))) (local.get $d4))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 5) (local.get $dstStride))) (local.get $d5))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 6) (local.get $dstStride))) (local.get $d6))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 7) (local.get $dstStride))) (local.get $d7))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 8) (local.get $dstStride))) (local.get $d8))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 9) (local.get $dstStride))) (local.get $d9))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 10) (local.get $dstStride))) (local.get $d10))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 11) (local.get $dstStride))) (local.get $d11))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 12) (local.get $dstStride))) (local.get $d12))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 13) (local.get $dstStride))) (local.get $d13))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 14) (local.get $dstStride))) (local.get $d14))
    (v128.store (i32.add (local.get $dst) (i32.mul (i32.const 15) (local.get $dstStride))) (local.get $d15)))

  ;; dst[j * dstStride + i] = src[i * srcStride + j] for i < rows, j < cols (bytes, byte
  ;; addresses), and zeros in dst[j * dstStride + i] for rows <= i < dstStride: full 16 x 16
  ;; tiles by $transposeTile, the edges byte by byte.
  (func (export "transposeBytes") (param $src i32) (param $rows i32) (param $cols i32) (param $srcStride i32) (param $dst i32) (param $dstStride i32)
    (local $ib i32) (local $jb i32) (local $i i32) (local $j i32) (local $iEnd i32) (local $jEnd i32)
    (block $rowsDone
      (loop $rowTiles
        (br_if $rowsDone (i32.ge_u (local.get $ib) (local.get $rows)))
        (local.set $iEnd (select (local.get $rows) (i32.add (local.get $ib) (i32.const 16))
          (i32.gt_u (i32.add (local.get $ib) (i32.const 16)) (local.get $rows))))
        (local.set $jb (i32.const 0))
        (block $colsDone
          (loop $colTiles
            (br_if $colsDone (i32.ge_u (local.get $jb) (local.get $cols)))
            (local.set $jEnd (select (local.get $cols) (i32.add (local.get $jb) (i32.const 16))
              (i32.gt_u (i32.add (local.get $jb) (i32.const 16)) (local.get $cols))))
            (if (i32.and (i32.eq (i32.sub (local.get $iEnd) (local.get $ib)) (i32.const 16))
                         (i32.eq (i32.sub (local.get $jEnd) (local.get $jb)) (i32.const 16)))
              (then
                (call $transposeTile
                  (i32.add (local.get $src) (i32.add (i32.mul (local.get $ib) (local.get $srcStride)) (local.get $jb)))
                  (local.get $srcStride)
                  (i32.add (local.get $dst) (i32.add (i32.mul (local.get $jb) (local.get $dstStride)) (local.get $ib)))
                  (local.get $dstStride)))
              (else
                (local.set $i (local.get $ib))
                (loop $tileRows
                  (local.set $j (local.get $jb))
                  (loop $tileCols
                    (i32.store8 (i32.add (local.get $dst) (i32.add (i32.mul (local.get $j) (local.get $dstStride)) (local.get $i)))
                      (i32.load8_u (i32.add (local.get $src) (i32.add (i32.mul (local.get $i) (local.get $srcStride)) (local.get $j)))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br_if $tileCols (i32.lt_u (local.get $j) (local.get $jEnd))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $tileRows (i32.lt_u (local.get $i) (local.get $iEnd))))))
            (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
            (br $colTiles)))
        (local.set $ib (i32.add (local.get $ib) (i32.const 16)))
        (br $rowTiles)))
    ;; The padding of dst's rows.
    (if (i32.gt_u (local.get $dstStride) (local.get $rows))
      (then
        (local.set $j (i32.const 0))
        (block $padDone
          (loop $pad
            (br_if $padDone (i32.ge_u (local.get $j) (local.get $cols)))
            (memory.fill (i32.add (local.get $dst) (i32.add (i32.mul (local.get $j) (local.get $dstStride)) (local.get $rows)))
              (i32.const 0) (i32.sub (local.get $dstStride) (local.get $rows)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $pad))))))

  ;; dst[i * dstStride + j] = src[(i * cols + j) * step] for i < rows, j < cols (bytes, byte
  ;; addresses), and zeros in dst[i * dstStride + j] for cols <= j < dstStride: one channel of
  ;; interleaved samples into the rows of a matrix. Returns 1 if any value is not 0, else 0. Three channels go 16 pixels at a time (two shuffles of 48 bytes; this reads up
  ;; to 2 bytes past the last sample it uses).
  (func (export "gatherBytes") (param $src i32) (param $rows i32) (param $cols i32) (param $step i32) (param $dst i32) (param $dstStride i32) (result i32)
    (local $i i32) (local $o i32) (local $end i32) (local $v i32) (local $any i32) (local $anyv v128) (local $g v128)
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $o (i32.add (local.get $dst) (i32.mul (local.get $i) (local.get $dstStride))))
        (local.set $end (i32.add (local.get $o) (local.get $cols)))
        (if (i32.eq (local.get $step) (i32.const 3))
          (then
            (block $vecDone
              (loop $vec
                (br_if $vecDone (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $end)))
                (local.set $g (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 17 20 23 26 29
                  (i8x16.shuffle 0 3 6 9 12 15 18 21 24 27 30 0 0 0 0 0
                    (v128.load (local.get $src)) (v128.load offset=16 (local.get $src)))
                  (v128.load offset=32 (local.get $src))))
                (v128.store (local.get $o) (local.get $g))
                (local.set $anyv (v128.or (local.get $anyv) (local.get $g)))
                (local.set $src (i32.add (local.get $src) (i32.const 48)))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $vec)))))
        (block $rowDone
          (loop $colLoop
            (br_if $rowDone (i32.ge_u (local.get $o) (local.get $end)))
            (local.set $v (i32.load8_u (local.get $src)))
            (i32.store8 (local.get $o) (local.get $v))
            (local.set $any (i32.or (local.get $any) (local.get $v)))
            (local.set $src (i32.add (local.get $src) (local.get $step)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br $colLoop)))
        (memory.fill (local.get $end) (i32.const 0) (i32.sub (local.get $dstStride) (local.get $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowLoop)))
    (i32.ne (i32.or (local.get $any) (v128.any_true (local.get $anyv))) (i32.const 0)))

  ;; dst[3p + c] = plane c [p] for p < pixels: three planes of bytes (at r, g, b) interleaved
  ;; into RGB samples, 16 pixels (48 bytes) per six two-input shuffles, the rest byte by byte.
  (func (export "interleave3") (param $r i32) (param $g i32) (param $b i32) (param $pixels i32) (param $dst i32)
    (local $p i32) (local $vr v128) (local $vg v128) (local $vb v128)
    (block $vecDone
      (loop $vec
        (br_if $vecDone (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $pixels)))
        (local.set $vr (v128.load (i32.add (local.get $r) (local.get $p))))
        (local.set $vg (v128.load (i32.add (local.get $g) (local.get $p))))
        (local.set $vb (v128.load (i32.add (local.get $b) (local.get $p))))
        (v128.store (local.get $dst)
          (i8x16.shuffle 0 1 16 3 4 17 6 7 18 9 10 19 12 13 20 15
            (i8x16.shuffle 0 16 0 1 17 0 2 18 0 3 19 0 4 20 0 5 (local.get $vr) (local.get $vg))
            (local.get $vb)))
        (v128.store offset=16 (local.get $dst)
          (i8x16.shuffle 0 21 2 3 22 5 6 23 8 9 24 11 12 25 14 15
            (i8x16.shuffle 21 0 6 22 0 7 23 0 8 24 0 9 25 0 10 26 (local.get $vr) (local.get $vg))
            (local.get $vb)))
        (v128.store offset=32 (local.get $dst)
          (i8x16.shuffle 26 1 2 27 4 5 28 7 8 29 10 11 30 13 14 31
            (i8x16.shuffle 0 11 27 0 12 28 0 13 29 0 14 30 0 15 31 0 (local.get $vr) (local.get $vg))
            (local.get $vb)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 48)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vec)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $p) (local.get $pixels)))
        (i32.store8 (local.get $dst) (i32.load8_u (i32.add (local.get $r) (local.get $p))))
        (i32.store8 offset=1 (local.get $dst) (i32.load8_u (i32.add (local.get $g) (local.get $p))))
        (i32.store8 offset=2 (local.get $dst) (i32.load8_u (i32.add (local.get $b) (local.get $p))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 3)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tail))))

  ;; The rows x cols float64 matrix at element offset src, floored and clamped to 0..255, into
  ;; interleaved samples: element (r, c) is pixel r * rowStep + c * colStep, its byte
  ;; out + pixel * step; returns Σ (value - samples[pixel * step])², or NaN at the first NaN.
  (func (export "floorToSamples") (param $src i32) (param $rows i32) (param $cols i32) (param $rowStep i32) (param $colStep i32) (param $samples i32) (param $out i32) (param $step i32) (result f64)
    (local $r i32) (local $c i32) (local $p i32) (local $pixel i32) (local $x f64) (local $v i32) (local $d i32) (local $row i32) (local $e f64)
    (local.set $p (i32.shl (local.get $src) (i32.const 3)))
    (local.set $colStep (i32.mul (local.get $colStep) (local.get $step)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $pixel (i32.mul (i32.mul (local.get $r) (local.get $rowStep)) (local.get $step)))
        (local.set $c (i32.const 0))
        (local.set $row (i32.const 0))
        (block $rowDone
          (loop $colLoop
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $cols)))
            (local.set $x (f64.load (local.get $p)))
            (if (f64.ne (local.get $x) (local.get $x)) (then (return (local.get $x))))
            ;; trunc_sat is floor for x >= 0 and 0 below: only the top needs a clamp.
            (local.set $v (i32.trunc_sat_f64_u (local.get $x)))
            (local.set $v (select (i32.const 255) (local.get $v) (i32.gt_u (local.get $v) (i32.const 255))))
            (i32.store8 (i32.add (local.get $out) (local.get $pixel)) (local.get $v))
            (local.set $d (i32.sub (local.get $v) (i32.load8_u (i32.add (local.get $samples) (local.get $pixel)))))
            ;; At most 65025 per sample: a row of up to 66051 samples fits in 32 unsigned bits (the
            ;; short side of any matrix that fits in wasm32's 4 GiB is far shorter).
            (local.set $row (i32.add (local.get $row) (i32.mul (local.get $d) (local.get $d))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (local.set $pixel (i32.add (local.get $pixel) (local.get $colStep)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $colLoop)))
        (local.set $e (f64.add (local.get $e) (f64.convert_i32_u (local.get $row))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))
    (local.get $e))

  ;; floorProduct (see kernels.ts): C = Lᵀ R, floored and clamped to 0..255 into interleaved
  ;; samples, in float32 with a proof of which floors float32 may get wrong. With |e| the error
  ;; bound of a float32 dot product of p terms (inputs rounded to float32 included) and of the
  ;; float64 one it stands for, γ = (p + 2) 2^-24 / (1 - (p + 2) 2^-24) + p 2^-53 / (1 - p 2^-53)
  ;; and |Σ l_t r_t| <= ‖l‖ ‖r‖ (Cauchy-Schwarz), the float64 sum lies within b = γ ‖l_i‖ ‖r_j‖
  ;; of the float32 one x. Where b < x - floor(x) < 1 - b both have the same floor; every other
  ;; entry (about 2b of them: 0.1 % to 2 % on photographs) is computed again in float64, summed
  ;; in the order gemmNN sums, so the bytes are exactly those of floor(gemmNN) whatever float32
  ;; does. Bounds are rounded up (x (1 + 2^-20) before float32, a 1.001 margin on γ) and kept
  ;; above 2^-60 so that float32 underflow stays inside them; a NaN, an infinity or a value past
  ;; 2^23 fails the test and takes the float64 path.

  ;; A NaN met by $fixEntry: floorProduct returns NaN.
  (global $sawNaN (mut i32) (i32.const 0))

  ;; Σ_t lt[t] rt[t] over two contiguous float64 rows of p (byte addresses), in order from 0,
  ;; floored and clamped to 0..255 (a NaN sets $sawNaN and gives 0).
  (func $fixEntry (param $lt i32) (param $rt i32) (param $p i32) (result f32)
    (local $s f64) (local $end i32)
    (local.set $end (i32.add (local.get $lt) (i32.shl (local.get $p) (i32.const 3))))
    (block $done
      (loop $sum
        (br_if $done (i32.ge_u (local.get $lt) (local.get $end)))
        (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $lt)) (f64.load (local.get $rt)))))
        (local.set $lt (i32.add (local.get $lt) (i32.const 8)))
        (local.set $rt (i32.add (local.get $rt) (i32.const 8)))
        (br $sum)))
    (if (f64.ne (local.get $s) (local.get $s))
      (then
        (global.set $sawNaN (i32.const 1))
        (return (f32.const 0))))
    (f32.demote_f64 (f64.min (f64.max (f64.floor (local.get $s)) (f64.const 0)) (f64.const 255))))

  ;; The lanes of y (columns j..j+3 of a row whose float64 factors start at byte ltRow) where
  ;; sure is 0, from $fixEntry (0 for columns past cols).
  (func $fixVec (param $y v128) (param $sure v128) (param $ltRow i32) (param $rt i32) (param $j i32) (param $cols i32) (param $p i32) (result v128)
    (local $pb i32) (local $rtj i32)
    (local.set $pb (i32.shl (local.get $p) (i32.const 3)))
    (local.set $rtj (i32.add (local.get $rt) (i32.mul (local.get $j) (local.get $pb))))
    (if (i32.eqz (i32x4.extract_lane 0 (local.get $sure)))
      (then (local.set $y (f32x4.replace_lane 0 (local.get $y)
        (if (result f32) (i32.lt_u (local.get $j) (local.get $cols))
          (then (call $fixEntry (local.get $ltRow) (local.get $rtj) (local.get $p)))
          (else (f32.const 0)))))))
    (local.set $rtj (i32.add (local.get $rtj) (local.get $pb)))
    (if (i32.eqz (i32x4.extract_lane 1 (local.get $sure)))
      (then (local.set $y (f32x4.replace_lane 1 (local.get $y)
        (if (result f32) (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $cols))
          (then (call $fixEntry (local.get $ltRow) (local.get $rtj) (local.get $p)))
          (else (f32.const 0)))))))
    (local.set $rtj (i32.add (local.get $rtj) (local.get $pb)))
    (if (i32.eqz (i32x4.extract_lane 2 (local.get $sure)))
      (then (local.set $y (f32x4.replace_lane 2 (local.get $y)
        (if (result f32) (i32.lt_u (i32.add (local.get $j) (i32.const 2)) (local.get $cols))
          (then (call $fixEntry (local.get $ltRow) (local.get $rtj) (local.get $p)))
          (else (f32.const 0)))))))
    (local.set $rtj (i32.add (local.get $rtj) (local.get $pb)))
    (if (i32.eqz (i32x4.extract_lane 3 (local.get $sure)))
      (then (local.set $y (f32x4.replace_lane 3 (local.get $y)
        (if (result f32) (i32.lt_u (i32.add (local.get $j) (i32.const 3)) (local.get $cols))
          (then (call $fixEntry (local.get $ltRow) (local.get $rtj) (local.get $p)))
          (else (f32.const 0)))))))
    (local.get $y))

  ;; The outputs of one strip of floorProduct: n rows (from `row`) of float32 sums, cols8 per row
  ;; from byte strip. Per row and eight columns, the sure floors are kept and the others come
  ;; from $fixEntry; the bytes go to out + (row * cols + j) * step for j < cols (planar rows of
  ;; the samples from byte planar, planarStride apart, for the squared differences), and the
  ;; squared differences to the samples come back summed (float64; the 32-bit lanes are flushed
  ;; every 8192 columns, before 1024 sums of at most 2 * 255² can overflow). The strip's other
  ;; arguments are the 32-bit words at ctx: colN, colN2, cols, cols8, out, step, planar,
  ;; planarStride, lt, rowB, rowB2, rt, p, tmp. One call per strip (four rows of A_k), its
  ;; constants in registers: with one call per 4 x 8 tile, its 17 arguments and the constants it
  ;; spilled took 1.3-1.7x the time of this epilogue (rank 20, AMD EPYC, 2026-12-07).
  (func $stripOut (param $strip i32) (param $n i32) (param $row i32) (param $ctx i32) (result f64)
    (local $x0 v128) (local $x1 v128) (local $f0 v128) (local $f1 v128) (local $s0 v128) (local $s1 v128) (local $bv v128) (local $k v128) (local $d v128) (local $o v128)
    (local $n0 v128) (local $n1 v128) (local $m0 v128) (local $m1 v128) (local $bw v128) (local $err v128) (local $at i32) (local $j i32) (local $j0 i32) (local $outRow i32) (local $sampleRow i32) (local $ltRow i32)
    (local $colN i32) (local $colN2 i32) (local $cols i32) (local $cols8 i32) (local $out i32) (local $step i32) (local $planar i32) (local $planarStride i32)
    (local $lt i32) (local $rowB i32) (local $rowB2 i32) (local $rt i32) (local $p i32) (local $tmp i32) (local $e f64) (local $x i32) (local $rowEnd i32)
    (local.set $colN (i32.load (local.get $ctx)))
    (local.set $colN2 (i32.load offset=4 (local.get $ctx)))
    (local.set $cols (i32.load offset=8 (local.get $ctx)))
    (local.set $cols8 (i32.load offset=12 (local.get $ctx)))
    (local.set $out (i32.load offset=16 (local.get $ctx)))
    (local.set $step (i32.load offset=20 (local.get $ctx)))
    (local.set $planar (i32.load offset=24 (local.get $ctx)))
    (local.set $planarStride (i32.load offset=28 (local.get $ctx)))
    (local.set $lt (i32.load offset=32 (local.get $ctx)))
    (local.set $rowB (i32.load offset=36 (local.get $ctx)))
    (local.set $rowB2 (i32.load offset=40 (local.get $ctx)))
    (local.set $rt (i32.load offset=44 (local.get $ctx)))
    (local.set $p (i32.load offset=48 (local.get $ctx)))
    (local.set $tmp (i32.load offset=52 (local.get $ctx)))
    (local.set $rowEnd (i32.add (local.get $row) (local.get $n)))
    (loop $rows
      (local.set $bv (v128.load32_splat (i32.add (local.get $rowB) (i32.shl (local.get $row) (i32.const 2)))))
      (local.set $bw (v128.load32_splat (i32.add (local.get $rowB2) (i32.shl (local.get $row) (i32.const 2)))))
      (local.set $outRow (i32.add (local.get $out) (i32.mul (i32.mul (local.get $row) (local.get $cols)) (local.get $step))))
      (local.set $sampleRow (i32.add (local.get $planar) (i32.mul (local.get $row) (local.get $planarStride))))
      (local.set $ltRow (i32.add (local.get $lt) (i32.mul (local.get $row) (i32.shl (local.get $p) (i32.const 3)))))
      (local.set $x (local.get $strip))
      (local.set $j0 (i32.const 0))
      (loop $cols
        (if (i32.eqz (i32.and (local.get $j0) (i32.const 8191)))
          (then
            (local.set $e (f64.add (local.get $e) (call $laneSum (local.get $err))))
            (local.set $err (v128.const i32x4 0 0 0 0))))
        (local.set $x0 (v128.load (local.get $x)))
        (local.set $x1 (v128.load offset=16 (local.get $x)))
        (local.set $n0 (v128.load (i32.add (local.get $colN) (i32.shl (local.get $j0) (i32.const 2)))))
        (local.set $n1 (v128.load offset=16 (i32.add (local.get $colN) (i32.shl (local.get $j0) (i32.const 2)))))
        (local.set $m0 (v128.load (i32.add (local.get $colN2) (i32.shl (local.get $j0) (i32.const 2)))))
        (local.set $m1 (v128.load offset=16 (i32.add (local.get $colN2) (i32.shl (local.get $j0) (i32.const 2)))))
        (local.set $f0 (f32x4.floor (local.get $x0)))
        (local.set $f1 (f32x4.floor (local.get $x1)))
        ;; Sure: b < frac and frac + b < 1 (frac = x - floor(x) is exact; the sum reaches 1 only if
        ;; the exact one does).
        (local.set $k (f32x4.add (f32x4.mul (local.get $bv) (local.get $n0)) (f32x4.mul (local.get $bw) (local.get $m0))))
        (local.set $d (f32x4.sub (local.get $x0) (local.get $f0)))
        (local.set $s0 (v128.and (f32x4.gt (local.get $d) (local.get $k))
          (f32x4.lt (f32x4.add (local.get $d) (local.get $k)) (v128.const f32x4 1 1 1 1))))
        (local.set $k (f32x4.add (f32x4.mul (local.get $bv) (local.get $n1)) (f32x4.mul (local.get $bw) (local.get $m1))))
        (local.set $d (f32x4.sub (local.get $x1) (local.get $f1)))
        (local.set $s1 (v128.and (f32x4.gt (local.get $d) (local.get $k))
          (f32x4.lt (f32x4.add (local.get $d) (local.get $k)) (v128.const f32x4 1 1 1 1))))
        (local.set $f0 (f32x4.pmin (f32x4.pmax (local.get $f0) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 255 255 255 255)))
        (local.set $f1 (f32x4.pmin (f32x4.pmax (local.get $f1) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 255 255 255 255)))
        (if (i32.eqz (i32x4.all_true (v128.and (local.get $s0) (local.get $s1))))
          (then
            (local.set $f0 (call $fixVec (local.get $f0) (local.get $s0) (local.get $ltRow) (local.get $rt) (local.get $j0) (local.get $cols) (local.get $p)))
            (local.set $f1 (call $fixVec (local.get $f1) (local.get $s1) (local.get $ltRow) (local.get $rt) (i32.add (local.get $j0) (i32.const 4)) (local.get $cols) (local.get $p)))))
        ;; Integers 0..255 plus 2^23 have the integer in their low bits: less 2^23's bits, 32-bit
        ;; lanes of 0..255, narrowed (no lane saturates) to eight bytes.
        (local.set $o (i16x8.narrow_i32x4_u
          (i32x4.sub (f32x4.add (local.get $f0) (v128.const f32x4 0x1p23 0x1p23 0x1p23 0x1p23)) (v128.const i32x4 0x4b000000 0x4b000000 0x4b000000 0x4b000000))
          (i32x4.sub (f32x4.add (local.get $f1) (v128.const f32x4 0x1p23 0x1p23 0x1p23 0x1p23)) (v128.const i32x4 0x4b000000 0x4b000000 0x4b000000 0x4b000000))))
        (local.set $o (i8x16.narrow_i16x8_u (local.get $o) (local.get $o)))
        (local.set $at (i32.add (local.get $outRow) (i32.mul (local.get $j0) (local.get $step))))
        (if (i32.le_u (i32.add (local.get $j0) (i32.const 8)) (local.get $cols))
          (then
            (if (i32.eq (local.get $step) (i32.const 1))
              (then (v128.store64_lane 0 (local.get $at) (local.get $o)))
              (else
                (i32.store8 (local.get $at) (i8x16.extract_lane_u 0 (local.get $o)))
                (local.set $at (i32.add (local.get $at) (local.get $step)))
                (i32.store8 (local.get $at) (i8x16.extract_lane_u 1 (local.get $o)))
                (local.set $at (i32.add (local.get $at) (local.get $step)))
                (i32.store8 (local.get $at) (i8x16.extract_lane_u 2 (local.get $o)))
                (local.set $at (i32.add (local.get $at) (local.get $step)))
                (i32.store8 (local.get $at) (i8x16.extract_lane_u 3 (local.get $o)))
                (local.set $at (i32.add (local.get $at) (local.get $step)))
                (i32.store8 (local.get $at) (i8x16.extract_lane_u 4 (local.get $o)))
                (local.set $at (i32.add (local.get $at) (local.get $step)))
                (i32.store8 (local.get $at) (i8x16.extract_lane_u 5 (local.get $o)))
                (local.set $at (i32.add (local.get $at) (local.get $step)))
                (i32.store8 (local.get $at) (i8x16.extract_lane_u 6 (local.get $o)))
                (local.set $at (i32.add (local.get $at) (local.get $step)))
                (i32.store8 (local.get $at) (i8x16.extract_lane_u 7 (local.get $o))))))
          (else
            ;; The last, partial block: byte by byte from a scratch copy.
            (v128.store (local.get $tmp) (local.get $o))
            (local.set $j (local.get $j0))
            (block $tailDone
              (loop $tail
                (br_if $tailDone (i32.ge_u (local.get $j) (local.get $cols)))
                (i32.store8 (local.get $at) (i32.load8_u (i32.add (local.get $tmp) (i32.sub (local.get $j) (local.get $j0)))))
                (local.set $at (i32.add (local.get $at) (local.get $step)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $tail)))))
        ;; Columns past cols floor to 0, against zeros (the rows of samples are zero-padded to 16).
        (local.set $d (i16x8.sub (i16x8.extend_low_i8x16_u (local.get $o))
          (v128.load8x8_u (i32.add (local.get $sampleRow) (local.get $j0)))))
        (local.set $err (i32x4.add (local.get $err) (i32x4.dot_i16x8_s (local.get $d) (local.get $d))))
        (local.set $x (i32.add (local.get $x) (i32.const 32)))
        (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
        (br_if $cols (i32.lt_u (local.get $j0) (local.get $cols))))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (local.set $strip (i32.add (local.get $strip) (i32.shl (local.get $cols8) (i32.const 2))))
      (br_if $rows (i32.lt_u (local.get $row) (local.get $rowEnd))))
    (f64.add (local.get $e) (call $laneSum (local.get $err))))

  (func (export "floorProduct") (param $l i32) (param $ldl i32) (param $r i32) (param $ldr i32) (param $p i32) (param $rows i32) (param $cols i32) (param $planar i32) (param $planarStride i32) (param $out i32) (param $step i32) (param $scratch i32) (result f64)
    (local $rows4 i32) (local $cols8 i32) (local $l32 i32) (local $r32 i32) (local $lt i32) (local $rt i32) (local $rowB i32) (local $colN i32) (local $tmp i32)
    (local $i i32) (local $j i32) (local $t i32) (local $src i32) (local $pb i32) (local $v f64) (local $s f64) (local $gamma f64) (local $g f64)
    (local $i0 i32) (local $j0 i32) (local $lp i32) (local $rp i32) (local $l32Stride i32) (local $r32Stride i32)
    (local $b v128) (local $w0 v128) (local $w1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $e f64) (local $row i32) (local $strip i32) (local $ctx i32) (local $at i32) (local $rowB2 i32) (local $colN2 i32) (local $s1 f64)
    (global.set $sawNaN (i32.const 0))
    (local.set $l (i32.shl (local.get $l) (i32.const 3)))
    (local.set $r (i32.shl (local.get $r) (i32.const 3)))
    (local.set $ldl (i32.shl (local.get $ldl) (i32.const 3)))
    (local.set $ldr (i32.shl (local.get $ldr) (i32.const 3)))
    (local.set $pb (i32.shl (local.get $p) (i32.const 3)))
    (local.set $rows4 (i32.and (i32.add (local.get $rows) (i32.const 3)) (i32.const -4)))
    (local.set $cols8 (i32.and (i32.add (local.get $cols) (i32.const 7)) (i32.const -8)))
    (local.set $l32Stride (i32.shl (local.get $rows4) (i32.const 2)))
    (local.set $r32Stride (i32.shl (local.get $cols8) (i32.const 2)))
    (local.set $l32 (local.get $scratch))
    (local.set $r32 (i32.add (local.get $l32) (i32.mul (local.get $p) (local.get $l32Stride))))
    (local.set $lt (i32.add (local.get $r32) (i32.mul (local.get $p) (local.get $r32Stride))))
    (local.set $rt (i32.add (local.get $lt) (i32.mul (local.get $rows) (local.get $pb))))
    (local.set $rowB (i32.add (local.get $rt) (i32.mul (local.get $cols) (local.get $pb))))
    (local.set $rowB2 (i32.add (local.get $rowB) (local.get $l32Stride)))
    (local.set $colN (i32.add (local.get $rowB2) (local.get $l32Stride)))
    (local.set $colN2 (i32.add (local.get $colN) (local.get $r32Stride)))
    (local.set $tmp (i32.add (local.get $colN2) (local.get $r32Stride)))
    (local.set $ctx (i32.add (local.get $tmp) (i32.const 16)))
    (local.set $strip (i32.and (i32.add (local.get $ctx) (i32.const 79)) (i32.const -16)))
    ;; float32 copies, zero-padded to rows4 and cols8, packed in panels: the 4 values of rows
    ;; i..i+3 for t = 0, 1, ... one after the other (the 8 of columns j..j+7 for R), so that a
    ;; tile's inner loop reads both factors sequentially (with k-major rows, 4 KB apart per t, it took
    ;; 1.18-1.25x the time at ranks 50 and 100 on the AMD EPYC of 2026-12-07); and float64
    ;; transposes.
    (local.set $t (i32.const 0))
    (block $tDone
      (loop $tLoop
        (br_if $tDone (i32.ge_u (local.get $t) (local.get $p)))
        (local.set $src (i32.add (local.get $l) (i32.mul (local.get $t) (local.get $ldl))))
        (local.set $i (i32.const 0))
        (block $iDone
          (loop $iLoop
            (br_if $iDone (i32.ge_u (local.get $i) (local.get $rows4)))
            (if (i32.lt_u (local.get $i) (local.get $rows))
              (then
                (local.set $v (f64.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 3)))))
                (f64.store (i32.add (i32.add (local.get $lt) (i32.mul (local.get $i) (local.get $pb))) (i32.shl (local.get $t) (i32.const 3))) (local.get $v)))
              (else (local.set $v (f64.const 0))))
            (f32.store (i32.add (i32.add (local.get $l32) (i32.add (i32.mul (i32.shr_u (local.get $i) (i32.const 2)) (i32.shl (local.get $p) (i32.const 4))) (i32.shl (local.get $t) (i32.const 4)))) (i32.shl (i32.and (local.get $i) (i32.const 3)) (i32.const 2)))
              (f32.demote_f64 (local.get $v)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iLoop)))
        (local.set $src (i32.add (local.get $r) (i32.mul (local.get $t) (local.get $ldr))))
        (local.set $j (i32.const 0))
        (block $jDone
          (loop $jLoop
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $cols8)))
            (if (i32.lt_u (local.get $j) (local.get $cols))
              (then
                (local.set $v (f64.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 3)))))
                (f64.store (i32.add (i32.add (local.get $rt) (i32.mul (local.get $j) (local.get $pb))) (i32.shl (local.get $t) (i32.const 3))) (local.get $v)))
              (else (local.set $v (f64.const 0))))
            (f32.store (i32.add (i32.add (local.get $r32) (i32.add (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (i32.shl (local.get $p) (i32.const 5))) (i32.shl (local.get $t) (i32.const 5)))) (i32.shl (i32.and (local.get $j) (i32.const 7)) (i32.const 2)))
              (f32.demote_f64 (local.get $v)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jLoop)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tLoop)))
    ;; The bounds. The float32 sum's error is at most γ' Σ_t |l_it| |r_jt| <= γ' (|l_i0| |r_j0| +
    ;; ‖l_i'‖ ‖r_j'‖), l' and r' without their first entry (Cauchy-Schwarz on the rest only: the
    ;; first, largest singular term would inflate a bound on the whole by up to ‖r_j‖ / |r_j0|).
    ;; Per row γ' |l_i0| and γ' ‖l_i'‖, per column |r_j0| and ‖r_j'‖, each at least 2^-60 and
    ;; rounded up (the 1.001 in γ' covers the three float32 roundings of the bound's own sum).
    (local.set $g (f64.mul (f64.convert_i32_u (i32.add (local.get $p) (i32.const 2))) (f64.const 0x1p-24)))
    (local.set $gamma (f64.div (local.get $g) (f64.sub (f64.const 1) (local.get $g))))
    (local.set $g (f64.mul (f64.convert_i32_u (local.get $p)) (f64.const 0x1p-53)))
    (local.set $gamma (f64.mul (f64.const 1.001)
      (f64.add (local.get $gamma) (f64.div (local.get $g) (f64.sub (f64.const 1) (local.get $g))))))
    (local.set $i (i32.const 0))
    (block $nDone
      (loop $nLoop
        (br_if $nDone (i32.ge_u (local.get $i) (local.get $rows4)))
        (local.set $s (f64.const 0))
        (local.set $s1 (f64.const 0))
        (if (i32.lt_u (local.get $i) (local.get $rows))
          (then
            (local.set $src (i32.add (local.get $lt) (i32.mul (local.get $i) (local.get $pb))))
            (local.set $t (i32.const 1))
            (block $sDone
              (loop $sLoop
                (br_if $sDone (i32.ge_u (local.get $t) (local.get $p)))
                (local.set $v (f64.load (i32.add (local.get $src) (i32.shl (local.get $t) (i32.const 3)))))
                (local.set $s (f64.add (local.get $s) (f64.mul (local.get $v) (local.get $v))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $sLoop)))
            (local.set $s1 (select (f64.abs (f64.load (local.get $src))) (f64.const 0) (local.get $p)))
            (local.set $s1 (f64.mul (f64.max (f64.mul (local.get $gamma) (local.get $s1)) (f64.const 0x1p-60)) (f64.const 0x1.00001p0)))
            (local.set $s (f64.mul (f64.max (f64.mul (local.get $gamma) (f64.sqrt (local.get $s))) (f64.const 0x1p-60)) (f64.const 0x1.00001p0)))))
        (f32.store (i32.add (local.get $rowB) (i32.shl (local.get $i) (i32.const 2))) (f32.demote_f64 (local.get $s1)))
        (f32.store (i32.add (local.get $rowB2) (i32.shl (local.get $i) (i32.const 2))) (f32.demote_f64 (local.get $s)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nLoop)))
    (local.set $j (i32.const 0))
    (block $mDone
      (loop $mLoop
        (br_if $mDone (i32.ge_u (local.get $j) (local.get $cols8)))
        ;; Padding columns get 0: their lanes always take the (skipped) float64 path.
        (local.set $s (f64.const 0))
        (local.set $s1 (f64.const 0))
        (if (i32.lt_u (local.get $j) (local.get $cols))
          (then
            (local.set $src (i32.add (local.get $rt) (i32.mul (local.get $j) (local.get $pb))))
            (local.set $t (i32.const 1))
            (block $sDone
              (loop $sLoop
                (br_if $sDone (i32.ge_u (local.get $t) (local.get $p)))
                (local.set $v (f64.load (i32.add (local.get $src) (i32.shl (local.get $t) (i32.const 3)))))
                (local.set $s (f64.add (local.get $s) (f64.mul (local.get $v) (local.get $v))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $sLoop)))
            (local.set $s1 (select (f64.abs (f64.load (local.get $src))) (f64.const 0) (local.get $p)))
            (local.set $s1 (f64.mul (f64.max (local.get $s1) (f64.const 0x1p-60)) (f64.const 0x1.00001p0)))
            (local.set $s (f64.mul (f64.max (f64.sqrt (local.get $s)) (f64.const 0x1p-60)) (f64.const 0x1.00001p0)))))
        (f32.store (i32.add (local.get $colN) (i32.shl (local.get $j) (i32.const 2))) (f32.demote_f64 (local.get $s1)))
        (f32.store (i32.add (local.get $colN2) (i32.shl (local.get $j) (i32.const 2))) (f32.demote_f64 (local.get $s)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $mLoop)))
    ;; The epilogue's arguments ($stripOut).
    (i32.store (local.get $ctx) (local.get $colN))
    (i32.store offset=4 (local.get $ctx) (local.get $colN2))
    (i32.store offset=8 (local.get $ctx) (local.get $cols))
    (i32.store offset=12 (local.get $ctx) (local.get $cols8))
    (i32.store offset=16 (local.get $ctx) (local.get $out))
    (i32.store offset=20 (local.get $ctx) (local.get $step))
    (i32.store offset=24 (local.get $ctx) (local.get $planar))
    (i32.store offset=28 (local.get $ctx) (local.get $planarStride))
    (i32.store offset=32 (local.get $ctx) (local.get $lt))
    (i32.store offset=36 (local.get $ctx) (local.get $rowB))
    (i32.store offset=40 (local.get $ctx) (local.get $rowB2))
    (i32.store offset=44 (local.get $ctx) (local.get $rt))
    (i32.store offset=48 (local.get $ctx) (local.get $p))
    (i32.store offset=52 (local.get $ctx) (local.get $tmp))
    ;; Strips of 4 rows: tiles of 4 x 8 float32 sums over t, into the strip's rows (cols8 apart).
    (block $stripsDone
      (loop $strips
        (br_if $stripsDone (i32.ge_u (local.get $i0) (local.get $rows)))
        (local.set $j0 (i32.const 0))
        (block $tilesDone
          (loop $tiles
            (br_if $tilesDone (i32.ge_u (local.get $j0) (local.get $cols)))
            (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0))
            (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0))
            (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0))
            (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
            (local.set $lp (i32.add (local.get $l32) (i32.shl (i32.mul (local.get $i0) (local.get $p)) (i32.const 2))))
            (local.set $rp (i32.add (local.get $r32) (i32.shl (i32.mul (local.get $j0) (local.get $p)) (i32.const 2))))
            (local.set $t (local.get $p))
            (if (local.get $t)
              (then
                (loop $sum
                  (local.set $w0 (v128.load (local.get $rp)))
                  (local.set $w1 (v128.load offset=16 (local.get $rp)))
                  (local.set $b (v128.load32_splat (local.get $lp)))
                  (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $b) (local.get $w0))))
                  (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $b) (local.get $w1))))
                  (local.set $b (v128.load32_splat offset=4 (local.get $lp)))
                  (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $b) (local.get $w0))))
                  (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $b) (local.get $w1))))
                  (local.set $b (v128.load32_splat offset=8 (local.get $lp)))
                  (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $b) (local.get $w0))))
                  (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $b) (local.get $w1))))
                  (local.set $b (v128.load32_splat offset=12 (local.get $lp)))
                  (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $b) (local.get $w0))))
                  (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $b) (local.get $w1))))
                  (local.set $lp (i32.add (local.get $lp) (i32.const 16)))
                  (local.set $rp (i32.add (local.get $rp) (i32.const 32)))
                  (local.set $t (i32.sub (local.get $t) (i32.const 1)))
                  (br_if $sum (local.get $t)))))
            (local.set $at (i32.add (local.get $strip) (i32.shl (local.get $j0) (i32.const 2))))
            (v128.store (local.get $at) (local.get $c00))
            (v128.store offset=16 (local.get $at) (local.get $c01))
            (local.set $at (i32.add (local.get $at) (local.get $r32Stride)))
            (v128.store (local.get $at) (local.get $c10))
            (v128.store offset=16 (local.get $at) (local.get $c11))
            (local.set $at (i32.add (local.get $at) (local.get $r32Stride)))
            (v128.store (local.get $at) (local.get $c20))
            (v128.store offset=16 (local.get $at) (local.get $c21))
            (local.set $at (i32.add (local.get $at) (local.get $r32Stride)))
            (v128.store (local.get $at) (local.get $c30))
            (v128.store offset=16 (local.get $at) (local.get $c31))
            (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
            (br $tiles)))
        ;; The strip's four rows of sums (fewer at the end) floored, checked and stored.
        (local.set $row (i32.sub (local.get $rows) (local.get $i0)))
        (local.set $e (f64.add (local.get $e) (call $stripOut (local.get $strip)
          (select (local.get $row) (i32.const 4) (i32.lt_u (local.get $row) (i32.const 4))) (local.get $i0) (local.get $ctx))))
        (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
        (br $strips)))
    (if (result f64) (global.get $sawNaN) (then (f64.const nan)) (else (local.get $e))))

  (func (export "dotRows") (param $x i32) (param $count i32) (param $ldx i32) (param $y i32) (param $len i32) (param $out i32)
    (local $r i32)
    (local.set $x (i32.shl (local.get $x) (i32.const 3)))
    (local.set $ldx (i32.shl (local.get $ldx) (i32.const 3)))
    (local.set $y (i32.shl (local.get $y) (i32.const 3)))
    (local.set $out (i32.shl (local.get $out) (i32.const 3)))
    (block $quadsDone
      (loop $quads
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $count)))
        (call $dot4 (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $ldx))) (local.get $ldx)
          (local.get $y) (local.get $len) (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $quads)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3)))
          (call $dot (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $ldx))) (local.get $y) (local.get $len)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "subtractRows") (param $x i32) (param $count i32) (param $ldx i32) (param $coef i32) (param $y i32) (param $len i32)
    (local $r i32)
    (local.set $x (i32.shl (local.get $x) (i32.const 3)))
    (local.set $ldx (i32.shl (local.get $ldx) (i32.const 3)))
    (local.set $coef (i32.shl (local.get $coef) (i32.const 3)))
    (local.set $y (i32.shl (local.get $y) (i32.const 3)))
    (block $quadsDone
      (loop $quads
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $count)))
        (call $axpySub4 (local.get $y)
          (i32.add (local.get $coef) (i32.shl (local.get $r) (i32.const 3)))
          (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $ldx)))
          (local.get $ldx) (local.get $len))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $quads)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (call $axpySub (local.get $y)
          (f64.load (i32.add (local.get $coef) (i32.shl (local.get $r) (i32.const 3))))
          (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $ldx)))
          (local.get $len))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "rank1Rows") (param $y i32) (param $count i32) (param $ldy i32) (param $coef i32) (param $v i32) (param $len i32)
    (local $r i32)
    (local.set $y (i32.shl (local.get $y) (i32.const 3)))
    (local.set $ldy (i32.shl (local.get $ldy) (i32.const 3)))
    (local.set $coef (i32.shl (local.get $coef) (i32.const 3)))
    (local.set $v (i32.shl (local.get $v) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (call $axpySub (i32.add (local.get $y) (i32.mul (local.get $r) (local.get $ldy)))
          (f64.load (i32.add (local.get $coef) (i32.shl (local.get $r) (i32.const 3))))
          (local.get $v)
          (local.get $len))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  (func (export "rank2Rows") (param $g i32) (param $count i32) (param $ldg i32) (param $v i32) (param $w i32) (param $len i32)
    (local $r i32) (local $vr f64) (local $wr f64) (local $vrv v128) (local $wrv v128)
    (local $gp i32) (local $vp i32) (local $wp i32) (local $end i32)
    (local.set $g (i32.shl (local.get $g) (i32.const 3)))
    (local.set $ldg (i32.shl (local.get $ldg) (i32.const 3)))
    (local.set $v (i32.shl (local.get $v) (i32.const 3)))
    (local.set $w (i32.shl (local.get $w) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $vr (f64.load (i32.add (local.get $v) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $wr (f64.load (i32.add (local.get $w) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $vrv (f64x2.splat (local.get $vr)))
        (local.set $wrv (f64x2.splat (local.get $wr)))
        (local.set $gp (i32.add (local.get $g) (i32.mul (local.get $r) (local.get $ldg))))
        (local.set $vp (local.get $v))
        (local.set $wp (local.get $w))
        (local.set $end (i32.add (local.get $gp) (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3))))
        (block $cd
          (loop $cl
            (br_if $cd (i32.ge_u (local.get $gp) (local.get $end)))
            (v128.store (local.get $gp)
              (f64x2.sub
                (f64x2.sub (v128.load (local.get $gp)) (f64x2.mul (local.get $vrv) (v128.load (local.get $wp))))
                (f64x2.mul (local.get $wrv) (v128.load (local.get $vp)))))
            (local.set $gp (i32.add (local.get $gp) (i32.const 16)))
            (local.set $vp (i32.add (local.get $vp) (i32.const 16)))
            (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
            (br $cl)))
        (if (i32.and (local.get $len) (i32.const 1))
          (then
            (f64.store (local.get $gp)
              (f64.sub
                (f64.sub (f64.load (local.get $gp)) (f64.mul (local.get $vr) (f64.load (local.get $wp))))
                (f64.mul (local.get $wr) (f64.load (local.get $vp)))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; C = X Yᵀ with 2x2 blocks of dot products (eight accumulators share each load twice).
  (func (export "dotsNT") (param $x i32) (param $xCount i32) (param $ldx i32) (param $y i32) (param $yCount i32) (param $ldy i32) (param $len i32) (param $c i32) (param $ldc i32)
    (local $i i32) (local $j i32) (local $x0 i32) (local $x1 i32) (local $y0 i32) (local $y1 i32) (local $end i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $d00 v128) (local $d01 v128) (local $d10 v128) (local $d11 v128)
    (local $xa v128) (local $xb v128) (local $ya v128) (local $yb v128)
    (local $r00 f64) (local $r01 f64) (local $r10 f64) (local $r11 f64) (local $xs f64) (local $xt f64) (local $ys f64) (local $yt f64)
    (local $cp i32) (local $tailEnd i32)
    (local.set $x (i32.shl (local.get $x) (i32.const 3)))
    (local.set $ldx (i32.shl (local.get $ldx) (i32.const 3)))
    (local.set $y (i32.shl (local.get $y) (i32.const 3)))
    (local.set $ldy (i32.shl (local.get $ldy) (i32.const 3)))
    (local.set $c (i32.shl (local.get $c) (i32.const 3)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 3)))
    (block $iDone
      (loop $iLoop
        (br_if $iDone (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $xCount)))
        (local.set $j (i32.const 0))
        (block $jDone
          (loop $jLoop
            (br_if $jDone (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $yCount)))
            (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $ldx))))
            (local.set $x1 (i32.add (local.get $x0) (local.get $ldx)))
            (local.set $y0 (i32.add (local.get $y) (i32.mul (local.get $j) (local.get $ldy))))
            (local.set $y1 (i32.add (local.get $y0) (local.get $ldy)))
            (local.set $c00 (v128.const f64x2 0 0)) (local.set $c01 (v128.const f64x2 0 0))
            (local.set $c10 (v128.const f64x2 0 0)) (local.set $c11 (v128.const f64x2 0 0))
            (local.set $d00 (v128.const f64x2 0 0)) (local.set $d01 (v128.const f64x2 0 0))
            (local.set $d10 (v128.const f64x2 0 0)) (local.set $d11 (v128.const f64x2 0 0))
            (local.set $end (i32.add (local.get $x0) (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 3))))
            (block $pd
              (loop $pl
                (br_if $pd (i32.ge_u (local.get $x0) (local.get $end)))
                (local.set $xa (v128.load (local.get $x0)))
                (local.set $xb (v128.load (local.get $x1)))
                (local.set $ya (v128.load (local.get $y0)))
                (local.set $yb (v128.load (local.get $y1)))
                (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $xa) (local.get $ya))))
                (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $xa) (local.get $yb))))
                (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $xb) (local.get $ya))))
                (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $xb) (local.get $yb))))
                (local.set $xa (v128.load offset=16 (local.get $x0)))
                (local.set $xb (v128.load offset=16 (local.get $x1)))
                (local.set $ya (v128.load offset=16 (local.get $y0)))
                (local.set $yb (v128.load offset=16 (local.get $y1)))
                (local.set $d00 (f64x2.add (local.get $d00) (f64x2.mul (local.get $xa) (local.get $ya))))
                (local.set $d01 (f64x2.add (local.get $d01) (f64x2.mul (local.get $xa) (local.get $yb))))
                (local.set $d10 (f64x2.add (local.get $d10) (f64x2.mul (local.get $xb) (local.get $ya))))
                (local.set $d11 (f64x2.add (local.get $d11) (f64x2.mul (local.get $xb) (local.get $yb))))
                (local.set $x0 (i32.add (local.get $x0) (i32.const 32)))
                (local.set $x1 (i32.add (local.get $x1) (i32.const 32)))
                (local.set $y0 (i32.add (local.get $y0) (i32.const 32)))
                (local.set $y1 (i32.add (local.get $y1) (i32.const 32)))
                (br $pl)))
            (local.set $xa (f64x2.add (local.get $c00) (local.get $d00)))
            (local.set $r00 (f64.add (f64x2.extract_lane 0 (local.get $xa)) (f64x2.extract_lane 1 (local.get $xa))))
            (local.set $xa (f64x2.add (local.get $c01) (local.get $d01)))
            (local.set $r01 (f64.add (f64x2.extract_lane 0 (local.get $xa)) (f64x2.extract_lane 1 (local.get $xa))))
            (local.set $xa (f64x2.add (local.get $c10) (local.get $d10)))
            (local.set $r10 (f64.add (f64x2.extract_lane 0 (local.get $xa)) (f64x2.extract_lane 1 (local.get $xa))))
            (local.set $xa (f64x2.add (local.get $c11) (local.get $d11)))
            (local.set $r11 (f64.add (f64x2.extract_lane 0 (local.get $xa)) (f64x2.extract_lane 1 (local.get $xa))))
            (local.set $tailEnd (i32.add (local.get $x0) (i32.shl (i32.and (local.get $len) (i32.const 3)) (i32.const 3))))
            (block $td
              (loop $tl
                (br_if $td (i32.ge_u (local.get $x0) (local.get $tailEnd)))
                (local.set $xs (f64.load (local.get $x0)))
                (local.set $xt (f64.load (local.get $x1)))
                (local.set $ys (f64.load (local.get $y0)))
                (local.set $yt (f64.load (local.get $y1)))
                (local.set $r00 (f64.add (local.get $r00) (f64.mul (local.get $xs) (local.get $ys))))
                (local.set $r01 (f64.add (local.get $r01) (f64.mul (local.get $xs) (local.get $yt))))
                (local.set $r10 (f64.add (local.get $r10) (f64.mul (local.get $xt) (local.get $ys))))
                (local.set $r11 (f64.add (local.get $r11) (f64.mul (local.get $xt) (local.get $yt))))
                (local.set $x0 (i32.add (local.get $x0) (i32.const 8)))
                (local.set $x1 (i32.add (local.get $x1) (i32.const 8)))
                (local.set $y0 (i32.add (local.get $y0) (i32.const 8)))
                (local.set $y1 (i32.add (local.get $y1) (i32.const 8)))
                (br $tl)))
            (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $cp) (local.get $r00))
            (f64.store offset=8 (local.get $cp) (local.get $r01))
            (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
            (f64.store (local.get $cp) (local.get $r10))
            (f64.store offset=8 (local.get $cp) (local.get $r11))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $jLoop)))
        ;; An odd last column for this pair of rows.
        (if (i32.lt_u (local.get $j) (local.get $yCount))
          (then
            (local.set $y0 (i32.add (local.get $y) (i32.mul (local.get $j) (local.get $ldy))))
            (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $cp)
              (call $dot (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $ldx))) (local.get $y0) (local.get $len)))
            (f64.store (i32.add (local.get $cp) (local.get $ldc))
              (call $dot (i32.add (local.get $x) (i32.mul (i32.add (local.get $i) (i32.const 1)) (local.get $ldx))) (local.get $y0) (local.get $len)))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $iLoop)))
    ;; An odd last row.
    (if (i32.lt_u (local.get $i) (local.get $xCount))
      (then
        (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $ldx))))
        (local.set $cp (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
        (local.set $j (i32.const 0))
        (block $jd
          (loop $jl
            (br_if $jd (i32.ge_u (local.get $j) (local.get $yCount)))
            (f64.store (i32.add (local.get $cp) (i32.shl (local.get $j) (i32.const 3)))
              (call $dot (local.get $x0) (i32.add (local.get $y) (i32.mul (local.get $j) (local.get $ldy))) (local.get $len)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl))))))

  ;; C = B V, two rows of C by eight columns per block (eight accumulators), p in order.
  (func (export "gemmNN") (param $b i32) (param $m i32) (param $k i32) (param $ldb i32) (param $v i32) (param $n i32) (param $ldv i32) (param $c i32) (param $ldc i32)
    (local $i i32) (local $j i32) (local $p i32) (local $n8 i32) (local $n2 i32)
    (local $b0 i32) (local $b1 i32) (local $vp i32) (local $cp i32)
    (local $s0 v128) (local $s1 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $f0 v128) (local $f1 v128) (local $f2 v128) (local $f3 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $acc f64) (local $acc1 f64) (local $rows i32) (local $vj f64)
    (local.set $b (i32.shl (local.get $b) (i32.const 3)))
    (local.set $ldb (i32.shl (local.get $ldb) (i32.const 3)))
    (local.set $v (i32.shl (local.get $v) (i32.const 3)))
    (local.set $ldv (i32.shl (local.get $ldv) (i32.const 3)))
    (local.set $c (i32.shl (local.get $c) (i32.const 3)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 3)))
    (local.set $n8 (i32.and (local.get $n) (i32.const -8)))
    (local.set $n2 (i32.and (local.get $n) (i32.const -2)))
    ;; Column blocks of 8 outside, row pairs inside: the block's 8 columns of V (k x 64 bytes)
    ;; stay in L1 while every row pair of B passes over them. Each c_ij is still summed in order
    ;; of p from 0, so the order of the loops does not change a bit.
    (block $jDone
      (loop $jLoop
        (br_if $jDone (i32.ge_u (local.get $j) (local.get $n8)))
        (local.set $i (i32.const 0))
        (block $iDone
          (loop $iLoop
            (br_if $iDone (i32.ge_u (local.get $i) (local.get $m)))
            (local.set $rows (select (i32.const 2) (i32.const 1)
              (i32.le_u (i32.add (local.get $i) (i32.const 2)) (local.get $m))))
            (local.set $b0 (i32.add (local.get $b) (i32.mul (local.get $i) (local.get $ldb))))
            (local.set $b1 (select (i32.add (local.get $b0) (local.get $ldb)) (local.get $b0)
              (i32.eq (local.get $rows) (i32.const 2))))
            (local.set $e0 (v128.const f64x2 0 0)) (local.set $e1 (v128.const f64x2 0 0))
            (local.set $e2 (v128.const f64x2 0 0)) (local.set $e3 (v128.const f64x2 0 0))
            (local.set $f0 (v128.const f64x2 0 0)) (local.set $f1 (v128.const f64x2 0 0))
            (local.set $f2 (v128.const f64x2 0 0)) (local.set $f3 (v128.const f64x2 0 0))
            (local.set $vp (i32.add (local.get $v) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $p (i32.const 0))
            (block $pDone
              (loop $pLoop
                (br_if $pDone (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $s0 (v128.load64_splat (i32.add (local.get $b0) (i32.shl (local.get $p) (i32.const 3)))))
                (local.set $s1 (v128.load64_splat (i32.add (local.get $b1) (i32.shl (local.get $p) (i32.const 3)))))
                (local.set $w0 (v128.load (local.get $vp)))
                (local.set $w1 (v128.load offset=16 (local.get $vp)))
                (local.set $w2 (v128.load offset=32 (local.get $vp)))
                (local.set $w3 (v128.load offset=48 (local.get $vp)))
                (local.set $e0 (f64x2.add (local.get $e0) (f64x2.mul (local.get $s0) (local.get $w0))))
                (local.set $e1 (f64x2.add (local.get $e1) (f64x2.mul (local.get $s0) (local.get $w1))))
                (local.set $e2 (f64x2.add (local.get $e2) (f64x2.mul (local.get $s0) (local.get $w2))))
                (local.set $e3 (f64x2.add (local.get $e3) (f64x2.mul (local.get $s0) (local.get $w3))))
                (local.set $f0 (f64x2.add (local.get $f0) (f64x2.mul (local.get $s1) (local.get $w0))))
                (local.set $f1 (f64x2.add (local.get $f1) (f64x2.mul (local.get $s1) (local.get $w1))))
                (local.set $f2 (f64x2.add (local.get $f2) (f64x2.mul (local.get $s1) (local.get $w2))))
                (local.set $f3 (f64x2.add (local.get $f3) (f64x2.mul (local.get $s1) (local.get $w3))))
                (local.set $vp (i32.add (local.get $vp) (local.get $ldv)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $pLoop)))
            (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store (local.get $cp) (local.get $e0))
            (v128.store offset=16 (local.get $cp) (local.get $e1))
            (v128.store offset=32 (local.get $cp) (local.get $e2))
            (v128.store offset=48 (local.get $cp) (local.get $e3))
            (if (i32.eq (local.get $rows) (i32.const 2))
              (then
                (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))
                (v128.store (local.get $cp) (local.get $f0))
                (v128.store offset=16 (local.get $cp) (local.get $f1))
                (v128.store offset=32 (local.get $cp) (local.get $f2))
                (v128.store offset=48 (local.get $cp) (local.get $f3))))
            (local.set $i (i32.add (local.get $i) (local.get $rows)))
            (br $iLoop)))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $jLoop)))
    ;; The n mod 8 last columns, one at a time, for every row pair.
    (local.set $i (i32.const 0))
    (block $iDone2
      (loop $iLoop2
        (br_if $iDone2 (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $rows (select (i32.const 2) (i32.const 1)
          (i32.le_u (i32.add (local.get $i) (i32.const 2)) (local.get $m))))
        (local.set $b0 (i32.add (local.get $b) (i32.mul (local.get $i) (local.get $ldb))))
        (local.set $b1 (select (i32.add (local.get $b0) (local.get $ldb)) (local.get $b0)
          (i32.eq (local.get $rows) (i32.const 2))))
        (local.set $j (local.get $n8))
        (block $rDone
          (loop $rLoop
            (br_if $rDone (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $acc (f64.const 0))
            (local.set $acc1 (f64.const 0))
            (local.set $vp (i32.add (local.get $v) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $p (i32.const 0))
            (block $qd
              (loop $ql
                (br_if $qd (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $vj (f64.load (local.get $vp)))
                (local.set $acc (f64.add (local.get $acc)
                  (f64.mul (f64.load (i32.add (local.get $b0) (i32.shl (local.get $p) (i32.const 3)))) (local.get $vj))))
                (local.set $acc1 (f64.add (local.get $acc1)
                  (f64.mul (f64.load (i32.add (local.get $b1) (i32.shl (local.get $p) (i32.const 3)))) (local.get $vj))))
                (local.set $vp (i32.add (local.get $vp) (local.get $ldv)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $ql)))
            (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $cp) (local.get $acc))
            (if (i32.eq (local.get $rows) (i32.const 2))
              (then (f64.store (i32.add (local.get $cp) (local.get $ldc)) (local.get $acc1))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $rLoop)))
        (local.set $i (i32.add (local.get $i) (local.get $rows)))
        (br $iLoop2))))

  ;; lastRowEigen (see kernels.ts): tridiagonal.ts's implicit QL on d and e (n float64 values
  ;; each, byte addresses here), every rotation applied to the one row `last`, with
  ;; √(a² + b²) computed plainly: the same operations in the same order as the TypeScript, so
  ;; the same bits. Returns 0, or l + 1 when eigenvalue l did not converge in 100 iterations.
  (func (export "lastRowEigen") (param $d i32) (param $e i32) (param $last i32) (param $n i32) (result i32)
    (local $norm f64) (local $i i32) (local $l i32) (local $m i32) (local $iterations i32)
    (local $g f64) (local $r f64) (local $s f64) (local $c f64) (local $p f64) (local $f f64) (local $b f64)
    (local $x f64) (local $y f64) (local $pi i32) (local $underflow i32)
    (local.set $d (i32.shl (local.get $d) (i32.const 3)))
    (local.set $e (i32.shl (local.get $e) (i32.const 3)))
    (local.set $last (i32.shl (local.get $last) (i32.const 3)))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (f64.store (i32.add (local.get $e) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 3))) (f64.const 0))
    (block $normDone
      (loop $normLoop
        (br_if $normDone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $norm (f64.max (local.get $norm)
          (f64.add (f64.abs (f64.load (i32.add (local.get $d) (i32.shl (local.get $i) (i32.const 3)))))
                   (f64.abs (f64.load (i32.add (local.get $e) (i32.shl (local.get $i) (i32.const 3))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $normLoop)))
    (block $lDone
      (loop $lLoop
        (br_if $lDone (i32.ge_u (local.get $l) (local.get $n)))
        (local.set $iterations (i32.const 0))
        (block $converged
          (loop $iterate
            ;; m: the first split below l.
            (local.set $m (local.get $l))
            (block $found
              (loop $scan
                (br_if $found (i32.ge_u (local.get $m) (i32.sub (local.get $n) (i32.const 1))))
                (br_if $found (f64.le
                  (f64.abs (f64.load (i32.add (local.get $e) (i32.shl (local.get $m) (i32.const 3)))))
                  (f64.mul (f64.const 0x1p-52)
                    (f64.max
                      (f64.add (f64.abs (f64.load (i32.add (local.get $d) (i32.shl (local.get $m) (i32.const 3)))))
                               (f64.abs (f64.load (i32.add (local.get $d) (i32.shl (i32.add (local.get $m) (i32.const 1)) (i32.const 3))))))
                      (local.get $norm)))))
                (local.set $m (i32.add (local.get $m) (i32.const 1)))
                (br $scan)))
            (br_if $converged (i32.eq (local.get $m) (local.get $l)))
            (local.set $iterations (i32.add (local.get $iterations) (i32.const 1)))
            (if (i32.gt_u (local.get $iterations) (i32.const 100))
              (then (return (i32.add (local.get $l) (i32.const 1)))))
            (local.set $g (f64.div
              (f64.sub (f64.load (i32.add (local.get $d) (i32.shl (i32.add (local.get $l) (i32.const 1)) (i32.const 3))))
                       (f64.load (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 3)))))
              (f64.mul (f64.const 2) (f64.load (i32.add (local.get $e) (i32.shl (local.get $l) (i32.const 3)))))))
            (local.set $r (f64.sqrt (f64.add (f64.mul (local.get $g) (local.get $g)) (f64.const 1))))
            (local.set $g (f64.add
              (f64.sub (f64.load (i32.add (local.get $d) (i32.shl (local.get $m) (i32.const 3))))
                       (f64.load (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 3)))))
              (f64.div (f64.load (i32.add (local.get $e) (i32.shl (local.get $l) (i32.const 3))))
                (f64.add (local.get $g)
                  (select (local.get $r) (f64.neg (local.get $r)) (f64.ge (local.get $g) (f64.const 0)))))))
            (local.set $s (f64.const 1))
            (local.set $c (f64.const 1))
            (local.set $p (f64.const 0))
            (local.set $underflow (i32.const 0))
            (local.set $i (i32.sub (local.get $m) (i32.const 1)))
            (block $sweepDone
              (loop $sweep
                (br_if $sweepDone (i32.lt_s (local.get $i) (local.get $l)))
                (local.set $pi (i32.shl (local.get $i) (i32.const 3)))
                (local.set $f (f64.mul (local.get $s) (f64.load (i32.add (local.get $e) (local.get $pi)))))
                (local.set $b (f64.mul (local.get $c) (f64.load (i32.add (local.get $e) (local.get $pi)))))
                (local.set $r (f64.sqrt (f64.add (f64.mul (local.get $f) (local.get $f)) (f64.mul (local.get $g) (local.get $g)))))
                (f64.store offset=8 (i32.add (local.get $e) (local.get $pi)) (local.get $r))
                (if (f64.eq (local.get $r) (f64.const 0))
                  (then
                    ;; The rotation vanished: the matrix split here; restart on the part above.
                    (f64.store offset=8 (i32.add (local.get $d) (local.get $pi))
                      (f64.sub (f64.load offset=8 (i32.add (local.get $d) (local.get $pi))) (local.get $p)))
                    (f64.store (i32.add (local.get $e) (i32.shl (local.get $m) (i32.const 3))) (f64.const 0))
                    (local.set $underflow (i32.const 1))
                    (br $sweepDone)))
                (local.set $s (f64.div (local.get $f) (local.get $r)))
                (local.set $c (f64.div (local.get $g) (local.get $r)))
                (local.set $g (f64.sub (f64.load offset=8 (i32.add (local.get $d) (local.get $pi))) (local.get $p)))
                (local.set $r (f64.add
                  (f64.mul (f64.sub (f64.load (i32.add (local.get $d) (local.get $pi))) (local.get $g)) (local.get $s))
                  (f64.mul (f64.mul (f64.const 2) (local.get $c)) (local.get $b))))
                (local.set $p (f64.mul (local.get $s) (local.get $r)))
                (f64.store offset=8 (i32.add (local.get $d) (local.get $pi)) (f64.add (local.get $g) (local.get $p)))
                (local.set $g (f64.sub (f64.mul (local.get $c) (local.get $r)) (local.get $b)))
                ;; The rotation, on the last row: x' = c x - s y, y' = s x + c y.
                (local.set $x (f64.load (i32.add (local.get $last) (local.get $pi))))
                (local.set $y (f64.load offset=8 (i32.add (local.get $last) (local.get $pi))))
                (f64.store (i32.add (local.get $last) (local.get $pi))
                  (f64.sub (f64.mul (local.get $c) (local.get $x)) (f64.mul (local.get $s) (local.get $y))))
                (f64.store offset=8 (i32.add (local.get $last) (local.get $pi))
                  (f64.add (f64.mul (local.get $s) (local.get $x)) (f64.mul (local.get $c) (local.get $y))))
                (local.set $i (i32.sub (local.get $i) (i32.const 1)))
                (br $sweep)))
            (br_if $iterate (local.get $underflow))
            (f64.store (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 3)))
              (f64.sub (f64.load (i32.add (local.get $d) (i32.shl (local.get $l) (i32.const 3)))) (local.get $p)))
            (f64.store (i32.add (local.get $e) (i32.shl (local.get $l) (i32.const 3))) (local.get $g))
            (f64.store (i32.add (local.get $e) (i32.shl (local.get $m) (i32.const 3))) (f64.const 0))
            (br $iterate)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $lLoop)))
    (i32.const 0))

  ;; rotateBack (see kernels.ts): the count recorded rotations (i, c, s), float64 triples from
  ;; element rot, applied last first, each with -s, to rows i and i + 1 of the matrix at element
  ;; w (rows ld elements apart, len used): W <- W G_k for the rotations G_k of rotate.
  (func (export "rotateBack") (param $w i32) (param $ld i32) (param $len i32) (param $rot i32) (param $count i32)
    (local $at i32) (local $start i32) (local $row i32)
    (local.set $start (i32.shl (local.get $rot) (i32.const 3)))
    (local.set $at (i32.add (local.get $start) (i32.mul (local.get $count) (i32.const 24))))
    (block $done
      (loop $back
        (br_if $done (i32.le_u (local.get $at) (local.get $start)))
        (local.set $at (i32.sub (local.get $at) (i32.const 24)))
        (local.set $row (i32.add (local.get $w) (i32.mul (i32.trunc_sat_f64_u (f64.load (local.get $at))) (local.get $ld))))
        (call $rotate (local.get $row) (i32.add (local.get $row) (local.get $ld)) (local.get $len)
          (f64.load offset=8 (local.get $at)) (f64.neg (f64.load offset=16 (local.get $at))))
        (br $back))))

  (func $rotate (export "rotate") (param $x i32) (param $y i32) (param $len i32) (param $c f64) (param $s f64)
    (local $cv v128) (local $sv v128) (local $xv v128) (local $yv v128) (local $end i32) (local $xs f64) (local $ys f64)
    (local.set $x (i32.shl (local.get $x) (i32.const 3)))
    (local.set $y (i32.shl (local.get $y) (i32.const 3)))
    (local.set $cv (f64x2.splat (local.get $c)))
    (local.set $sv (f64x2.splat (local.get $s)))
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $len) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $main
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $xv (v128.load (local.get $x)))
        (local.set $yv (v128.load (local.get $y)))
        (v128.store (local.get $x) (f64x2.sub (f64x2.mul (local.get $cv) (local.get $xv)) (f64x2.mul (local.get $sv) (local.get $yv))))
        (v128.store (local.get $y) (f64x2.add (f64x2.mul (local.get $sv) (local.get $xv)) (f64x2.mul (local.get $cv) (local.get $yv))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $main)))
    (if (i32.and (local.get $len) (i32.const 1))
      (then
        (local.set $xs (f64.load (local.get $x)))
        (local.set $ys (f64.load (local.get $y)))
        (f64.store (local.get $x) (f64.sub (f64.mul (local.get $c) (local.get $xs)) (f64.mul (local.get $s) (local.get $ys))))
        (f64.store (local.get $y) (f64.add (f64.mul (local.get $s) (local.get $xs)) (f64.mul (local.get $c) (local.get $ys))))))))
