;; 4-bit product-quantisation fast scan (facekit gallery). Codes are stored in blocks of 32 vectors: for each of
;; the M sub-quantisers, 16 bytes whose low nibbles are vectors 0-15's codes and high nibbles vectors 16-31's.
;; A query's lookup table holds, per sub-quantiser, 16 u8 scores (one per centroid); a vector's score is the sum
;; of its M entries, accumulated in u16 lanes (M ≤ 257 keeps 255·M below 65,536).
(module
  (memory (export "memory") 1)

;; scores[i] for every vector of nBlocks blocks (32 u16 per block, written to out); m must be even.
  ;; Each table lookup gives 16 bytes; read as eight u16 lanes they are even + 256 · odd. Summing those lanes (mod
  ;; 2^16) and, apart, the odd bytes (>> 8) gives the even sums as a0 − 256 · a1 exactly, since every true sum
  ;; is below 2^16: half the widening work of extending each byte.
  (func (export "scan") (param $codes i32) (param $nBlocks i32) (param $m i32) (param $lut i32) (param $out i32)
    (local $b i32) (local $j i32) (local $l i32) (local $c v128) (local $t v128) (local $lo v128) (local $hi v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $mask v128) (local $even v128)
    (local.set $mask (i8x16.splat (i32.const 15)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $b) (local.get $nBlocks)))
        (local.set $a0 (v128.const i64x2 0 0))
        (local.set $a1 (v128.const i64x2 0 0))
        (local.set $a2 (v128.const i64x2 0 0))
        (local.set $a3 (v128.const i64x2 0 0))
        (local.set $j (i32.const 0))
        (local.set $l (local.get $lut))
        (block $subs_done
          (loop $subs
            (br_if $subs_done (i32.ge_u (local.get $j) (local.get $m)))
            (local.set $c (v128.load offset=0 (local.get $codes)))
            (local.set $t (v128.load offset=0 (local.get $l)))
            (local.set $lo (i8x16.swizzle (local.get $t) (v128.and (local.get $c) (local.get $mask))))
            (local.set $hi (i8x16.swizzle (local.get $t)
              (v128.and (i16x8.shr_u (local.get $c) (i32.const 4)) (local.get $mask))))
            (local.set $a0 (i16x8.add (local.get $a0) (local.get $lo)))
            (local.set $a1 (i16x8.add (local.get $a1) (i16x8.shr_u (local.get $lo) (i32.const 8))))
            (local.set $a2 (i16x8.add (local.get $a2) (local.get $hi)))
            (local.set $a3 (i16x8.add (local.get $a3) (i16x8.shr_u (local.get $hi) (i32.const 8))))
            (local.set $c (v128.load offset=16 (local.get $codes)))
            (local.set $t (v128.load offset=16 (local.get $l)))
            (local.set $lo (i8x16.swizzle (local.get $t) (v128.and (local.get $c) (local.get $mask))))
            (local.set $hi (i8x16.swizzle (local.get $t)
              (v128.and (i16x8.shr_u (local.get $c) (i32.const 4)) (local.get $mask))))
            (local.set $a0 (i16x8.add (local.get $a0) (local.get $lo)))
            (local.set $a1 (i16x8.add (local.get $a1) (i16x8.shr_u (local.get $lo) (i32.const 8))))
            (local.set $a2 (i16x8.add (local.get $a2) (local.get $hi)))
            (local.set $a3 (i16x8.add (local.get $a3) (i16x8.shr_u (local.get $hi) (i32.const 8))))
            (local.set $codes (i32.add (local.get $codes) (i32.const 32)))
            (local.set $l (i32.add (local.get $l) (i32.const 32)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $subs)))
        ;; vectors 0-15: even lanes a0 − (a1 << 8), odd lanes a1; interleaved back into row order
        (local.set $even (i16x8.sub (local.get $a0) (i16x8.shl (local.get $a1) (i32.const 8))))
        (v128.store offset=0 (local.get $out)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $even) (local.get $a1)))
        (v128.store offset=16 (local.get $out)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $even) (local.get $a1)))
        (local.set $even (i16x8.sub (local.get $a2) (i16x8.shl (local.get $a3) (i32.const 8))))
        (v128.store offset=32 (local.get $out)
          (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $even) (local.get $a3)))
        (v128.store offset=48 (local.get $out)
          (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $even) (local.get $a3)))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $blocks))))

  ;; Writes the indices (u32) of the scores (u16; n a multiple of 8) at or above threshold to idx, at most cap of
  ;; them; returns how many there were in all (which may exceed cap).
  (func (export "above") (param $scores i32) (param $n i32) (param $threshold i32) (param $idx i32) (param $cap i32)
    (result i32)
    (local $i i32) (local $count i32) (local $bits i32) (local $lane i32) (local $th v128)
    (local.set $th (i16x8.splat (local.get $threshold)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $bits (i16x8.bitmask (i16x8.ge_u (v128.load (local.get $scores)) (local.get $th))))
        (block $none
          (loop $lanes
            (br_if $none (i32.eqz (local.get $bits)))
            (local.set $lane (i32.ctz (local.get $bits)))
            (if (i32.lt_u (local.get $count) (local.get $cap))
              (then (i32.store (i32.add (local.get $idx) (i32.shl (local.get $count) (i32.const 2)))
                (i32.add (local.get $i) (local.get $lane)))))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
            (br $lanes)))
        (local.set $scores (i32.add (local.get $scores) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $rows)))
    (local.get $count)))
