import { describe, expect, it } from 'vitest';
import { attackSucceeded, robustDice, successRate } from '../../../src/engine/metrics/robustness.js';

describe('attack success and robust Dice', () => {
  it('default: success when the Dice drops by at least half of the clean Dice', () => {
    expect(attackSucceeded(0.8, 0.4)).toBe(true);
    expect(attackSucceeded(0.8, 0.41)).toBe(false);
  });
  it('a stated threshold replaces the relative drop', () => {
    expect(attackSucceeded(0.8, 0.45, { threshold: 0.5 })).toBe(true);
    expect(attackSucceeded(0.8, 0.55, { threshold: 0.5 })).toBe(false);
  });
  it('success rate counts valid pairs only', () => {
    expect(successRate([0.8, 0.9, NaN, 0.6], [0.1, 0.8, 0.1, 0.3])).toEqual({ rate: 2 / 3, successes: 2, valid: 3, n: 4 });
  });
  it('clean Dice 0 leaves nothing to destroy: not a success, not a valid pair (relative criterion)', () => {
    expect(attackSucceeded(0, 0)).toBe(false);
    expect(successRate([0, 0.8], [0, 0.1])).toEqual({ rate: 1, successes: 1, valid: 1, n: 2 });
    expect(successRate([0, 0.8], [0, 0.1], { threshold: 0.5 })).toEqual({ rate: 1, successes: 2, valid: 2, n: 2 });
  });
  it('robust Dice is the per-image minimum over attacks, NaN ignored', () => {
    expect(robustDice([[0.5, 0.7, NaN], [0.6, 0.2, NaN], [NaN, 0.9, NaN]])).toEqual([0.5, 0.2, NaN]);
  });
});
