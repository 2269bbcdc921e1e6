// Shared head of the qmatmul kernels (qmatmul.ts prepends it to qmatmul.wgsl and qmatmul.backward.wgsl):
// the weight bindings, which both kernels put at 1 and 2, and the dequantization of W's layout
// (src/engine/quant.ts): blocks of 32 along IN, NB = ceil(IN/32) per row, quants[] u32 words (8 per int8
// block, 4 per int4 block, 16 per f16 block = two halves per word), scales[OUT · NB] f32 (never read for
// f16, whose scale is 1). f16 halves are widened with core WGSL's unpack2x16float, so no shader-f16.
//
// Both kernels walk a block in steps w = 0..3 of 8 elements: 4w..4w+3 ("lo") and 16+4w..16+4w+3 ("hi").
// For int4 that is exactly the low and high nibbles of word w (ggml order), for int8 words w and w+4, for
// f16 words 2w, 2w+1 (lo) and 8+2w, 9+2w (hi): one step never unpacks a word it does not use whole.

override INT4: bool = false;
override F16: bool = false;

@group(0) @binding(1) var<storage, read> quants: array<u32>;   // W packed, see quant.ts
@group(0) @binding(2) var<storage, read> scales: array<f32>;   // [OUT, NB]; any buffer when F16

// u32 words per block.
fn words_per_block() -> u32 {
  return select(select(8u, 4u, INT4), 16u, F16);
}

// Scale of block `blk` (= row · NB + b); 1 for f16.
fn block_scale(blk: u32) -> f32 {
  if (F16) { return 1.0; }
  return scales[blk];
}
fn block_scales(blk: vec4<u32>) -> vec4<f32> {
  if (F16) { return vec4<f32>(1.0); }
  return vec4<f32>(scales[blk.x], scales[blk.y], scales[blk.z], scales[blk.w]);
}

// Four signed bytes of u (byte k = element k) as floats.
fn unpack_i8(u: u32) -> vec4<f32> {
  return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(u << 24u, u << 16u, u << 8u, u)) >> vec4<u32>(24u));
}

// Halves 2j, 2j+1 (word u0) and 2j+2, 2j+3 (word u1) as f32. (A bit-twiddling widening, exact with
// subnormals, measured 20–30 % slower on SwiftShader than unpack2x16float, which it seems to map to a
// hardware conversion.)
fn f16x4(u0: u32, u1: u32) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(u0), unpack2x16float(u1));
}

// Elements lo = 4w..4w+3 and hi = 16+4w..16+4w+3 of one row's block.
struct Half8 { lo: vec4<f32>, hi: vec4<f32> }

// Dequantized step w of the block whose first word is quants[q] and whose scale is d (scale applied
// here, once per weight, rather than to each row's partial sums).
fn dequant8(q: u32, w: u32, d: f32) -> Half8 {
  if (F16) {
    let i = q + 2u * w;
    return Half8(f16x4(quants[i], quants[i + 1u]), f16x4(quants[i + 8u], quants[i + 9u]));
  }
  if (INT4) {
    let u = vec4<u32>(quants[q + w]) >> vec4<u32>(0u, 8u, 16u, 24u);
    return Half8((vec4<f32>(u & vec4<u32>(15u)) - vec4<f32>(8.0)) * d,
                 (vec4<f32>((u >> vec4<u32>(4u)) & vec4<u32>(15u)) - vec4<f32>(8.0)) * d);
  }
  return Half8(unpack_i8(quants[q + w]) * d, unpack_i8(quants[q + w + 4u]) * d);
}

// Element j (0..31) of the block whose first word is quants[q], scale d: the slow one-at-a-time path
// for the part of a shape that does not fill a whole step.
fn dequant1(q: u32, j: u32, d: f32) -> f32 {
  if (F16) { return unpack2x16float(quants[q + j / 2u])[j % 2u]; }
  if (INT4) { return (f32((quants[q + (j % 16u) / 4u] >> (8u * (j % 4u) + 4u * (j / 16u))) & 15u) - 8.0) * d; }
  return f32(bitcast<i32>(quants[q + j / 4u] << (24u - 8u * (j % 4u))) >> 24u) * d;
}

const K4 = vec4<u32>(0u, 1u, 2u, 3u);
