// The reference model's matrix products (explicit transposes and plain-product gradients on wasm/cpu)
// against stock tf.matMul and its autograd, on the tfjs 'cpu' backend.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../engine/rng.ts';
import { TOL, expectClose } from '../testing/tolerance.ts';
import { useBackend } from './backend.ts';
import { FEW_ROWS, explicitTransposes, linearFrozen, matMulNN, matMulNT } from './matmul.ts';

const rand = (shape: number[], seed: number) => tf.tensor(new Rng(seed).fill(shape.reduce((a, b) => a * b, 1)), shape);
const flat = (t: tf.Tensor) => t.dataSync() as Float32Array;

beforeAll(async () => {
  await useBackend('cpu');
});

describe('reference matrix products', () => {
  it('take the explicit-transpose path on cpu (and wasm), not on webgpu', () => {
    expect(explicitTransposes()).toBe(true);
  });

  for (const [name, lead] of [['2-D', []], ['batched 4-D (attention)', [2, 3]]] as const) {
    it(`${name}: values and both gradients equal tf.matMul's`, () => {
      const [M, K, N] = [5, 7, 4];
      const a = rand([...lead, M, K], 1), bT = rand([...lead, N, K], 2), b = rand([...lead, K, N], 3);
      const w = rand([...lead, M, N], 4); // weights the output so the gradient is not all ones
      for (const [ours, stock, x, y] of [
        [matMulNT, (p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, false, true), a, bT],
        [matMulNN, (p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q), a, b],
      ] as const) {
        expectClose(flat(ours(x, y)), flat(stock(x, y)), TOL.strict, `${ours.name} value`);
        const g = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(ours(p, q), w)))([x, y]);
        const h = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(stock(p, q), w)))([x, y]);
        expectClose(flat(g[0]), flat(h[0]), TOL.strict, `${ours.name} d/da`);
        expectClose(flat(g[1]), flat(h[1]), TOL.strict, `${ours.name} d/db`);
      }
    });
  }

  for (const rows of [FEW_ROWS - 1, FEW_ROWS + 2]) it(`linearFrozen, ${rows} rows: x·wᵀ, gradient for x only (equal to autograd through tf.matMul)`, () => {
    const x = rand([rows, 8], 5), w = rand([3, 8], 6), u = rand([rows, 3], 7);
    expectClose(flat(linearFrozen(x, w)), flat(tf.matMul(x, w, false, true)), TOL.strict, 'value');
    const [dx] = tf.grads((p: tf.Tensor) => tf.sum(tf.mul(linearFrozen(p, w), u)))([x]);
    const [ref] = tf.grads((p: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, w, false, true), u)))([x]);
    expectClose(flat(dx), flat(ref), TOL.strict, 'd/dx');
  });
});
