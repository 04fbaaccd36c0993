/**
 * The threat-domain part of the contract (docs/attacks.md "Domains"): the `attack:run` arguments that
 * choose the domain and give a stored-domain budget with its unit, what a result says about its domain
 * and budget units, the stored-domain block of a result (native resolution), and `image:units`, which
 * tells the UI how su, HU and k/255w convert for one image before it runs anything. Split from
 * contract.ts to keep that file readable; imports only zod, like it.
 */
import { z } from 'zod';

/** Little-endian typed-array bytes as base64 (JSON-safe); the field names the element type. */
export const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');

/** su: stored units; HU: Hounsfield units (CT only); 255w: k/255 of the displayed window. */
export const budgetUnits = ['su', 'HU', '255w'] as const;
export type BudgetUnit = (typeof budgetUnits)[number];

const epsWithUnit = (what: string) =>
  z.strictObject({
    value: z.number({ error: `${what}.value must be a number` }).positive(`${what}.value must be greater than 0`).max(1e7, `${what}.value is larger than 10000000`),
    unit: z.enum(budgetUnits, { error: `${what}.unit must be "su" (stored units), "HU" (CT only) or "255w" (k/255 of the window)` }),
  });
export type EpsWithUnit = z.infer<ReturnType<typeof epsWithUnit>>;

/** Spread into `attack:run`'s arguments. */
export const domainArgs = {
  /** "model" (default): δ on the model input, ε as eps255. "stored": δ on the file's stored values at native resolution, ε as eps. */
  domain: z.enum(['model', 'stored'], { error: 'domain must be "model" (attack the model input) or "stored" (attack the stored image at native resolution)' }).optional(),
  /** Stored domain only: the radius with its unit, e.g. { value: 20, unit: "su" } (default 20 su for L∞, 500 su for L2). */
  eps: epsWithUnit('eps').optional(),
  /** Stored domain only: the step size with its unit (default ε/4). */
  alpha: epsWithUnit('alpha').optional(),
};

/** One radius in the three units; null where a unit does not apply (HU on a non-CT image, su for colour DICOM). */
export const unitTriple = z.object({ su: z.number().nullable(), HU: z.number().nullable(), modality: z.number().nullable(), w255: z.number().nullable() });

/** A stored-domain radius: su, modality units and k/255w always apply; HU only on CT. */
const storedTriple = z.object({ su: z.number(), HU: z.number().nullable(), modality: z.number(), w255: z.number() });

/** Every result states its domain and its ε in all three units. */
export const budgetUnitsResult = unitTriple.extend({
  /** "20 su = 20 HU = 12.782/255w". */
  text: z.string(),
  /** How to read the numbers (model domain: equivalents of a display change, not a stored change). */
  note: z.string(),
});

/** How stored values become what the viewer shows (the original's modality LUT and VOI). */
const displayChain = z.object({
  format: z.enum(['png', 'jpeg', 'dicom']),
  modality: z.string().nullable(),
  /** Smallest and largest representable stored value. */
  range: z.tuple([z.number(), z.number()]),
  rescale: z.object({ slope: z.number(), intercept: z.number() }),
  /** The VOI window the engine decoded with (DICOM), in modality units; null for PNG/JPEG (display = stored/levels). */
  window: z.object({ center: z.number(), width: z.number() }).nullable(),
  windowFromFile: z.boolean(),
  voiFunction: z.enum(['LINEAR', 'LINEAR_EXACT', 'SIGMOID']),
  invert: z.boolean(),
  levels: z.number(),
  /** units.ts UnitScale: |slope|, modality units spanning the display, whether modality units are HU. */
  scale: z.object({ slope: z.number(), span: z.number(), hu: z.boolean() }),
});

/** The stored-domain block of a result, at the image's own size (engine: attack-stored-compute.ts). */
export const storedResult = displayChain.extend({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  norm: z.enum(['linf', 'l2']),
  eps: storedTriple,
  alpha: storedTriple,
  /** Adversarial stored values, planar [C,H,W], Float64 little-endian base64 (integers in `range`). */
  adversarialStored: base64,
  /** Δ stored per pixel (RGB: the channel with the largest |Δ|), Float32 base64; ×|slope| gives modality units (HU for CT). */
  delta: base64,
  /** Measured on the stored values: max |Δ| in all three units, ‖Δ‖₂, changed values. */
  linf: storedTriple,
  l2Su: z.number(),
  l2Modality: z.number(),
  changed: z.number().int().nonnegative(),
});
export type StoredResultInfo = z.infer<typeof storedResult>;

export const unitsCalls = {
  'image:units': {
    summary: 'How a stored-domain budget converts for one image (su, HU for CT, k/255 of the window), or why the stored domain does not apply to it.',
    args: z.strictObject({
      path: z.string({ error: 'path must be a file path (text)' }).min(1, 'path is empty; choose a file').max(4096, 'path is longer than 4096 characters').refine((p) => !p.includes('\0'), 'path contains a NUL character'),
      frame: z.number().int().min(0).max(100_000).optional(),
    }),
    result: z.object({
      /** Null when the stored domain cannot attack this image; `problem` says why. */
      chain: displayChain.extend({ width: z.number().int(), height: z.number().int(), channels: z.union([z.literal(1), z.literal(3)]) }).nullable(),
      problem: z.string().nullable(),
    }),
  },
} as const;
