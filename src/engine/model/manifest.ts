/**
 * `vlsm.json`, the model-package manifest (documented in docs/model-package.md). Validated with zod at
 * load time so a malformed manifest is one clear error naming the field.
 */
import { z } from 'zod';

const triple = z.tuple([z.number(), z.number(), z.number()]);

export const promptSetSchema = z.object({
  /** Prompt used when the user gives none for this target/dataset. */
  default: z.string().min(1),
  /** Other phrasings of the same target, used by prompt-robustness audits. */
  variants: z.array(z.string().min(1)).default([]),
});

export const manifestSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string().min(1),
  version: z.string().min(1),
  architecture: z.string().min(1),
  description: z.string().default(''),
  input: z.object({
    /** Model input size; images are resized to it (aspect ratio not kept, as CLIPSeg's processor does). */
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channels: z.literal(3).default(3),
    /** Applied after scaling pixels to [0,1]: (x - mean) / std, per RGB channel. */
    mean: triple,
    std: triple,
    /**
     * Resampling to the input size; 'bilinear'/'nearest' = torch F.interpolate(align_corners=False,
     * antialias=False); 'pil-*' = Pillow's Image.resize with that filter (antialiased when downscaling),
     * as Hugging Face processors resize (src/engine/model/pil-resize.ts).
     */
    resample: z.enum(['bilinear', 'nearest', 'pil-bilinear', 'pil-bicubic', 'pil-nearest', 'pil-box', 'pil-hamming', 'pil-lanczos']).default('bilinear'),
  }),
  io: z
    .object({
      inputIds: z.string().default('input_ids'),
      attentionMask: z.string().nullable().default('attention_mask'),
      pixelValues: z.string().default('pixel_values'),
      logits: z.string().default('logits'),
      /** Layout of pixel_values: NCHW (Hugging Face) or NHWC (tf2onnx exports). */
      pixelLayout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
      /** Layout of logits: [B,H,W] (CLIPSeg), [B,1,H,W], or [B,H,W,1]. */
      logitsLayout: z.enum(['BHW', 'B1HW', 'BHW1']).default('BHW'),
    })
    .default({
      inputIds: 'input_ids',
      attentionMask: 'attention_mask',
      pixelValues: 'pixel_values',
      logits: 'logits',
      pixelLayout: 'NCHW',
      logitsLayout: 'BHW',
    }),
  text: z
    .object({
      /** Token sequences are truncated to this length; a batch is padded to its longest sequence. */
      maxTokens: z.number().int().positive().default(77),
      /** Pad to exactly maxTokens (models exported with a fixed T) instead of the batch's longest. */
      padToMax: z.boolean().default(false),
      padTokenId: z.number().int().nonnegative().default(0),
    })
    .default({ maxTokens: 77, padToMax: false, padTokenId: 0 }),
  /** Probability threshold applied to sigmoid(logits). */
  threshold: z.number().gt(0).lt(1).default(0.5),
  /** Prompts per dataset or target key, e.g. {"kvasir-seg": {"default": "polyp", ...}}. */
  prompts: z.record(z.string(), promptSetSchema).default({}),
  training: z
    .object({
      datasets: z.array(z.string()).default([]),
      licence: z.string().default(''),
      command: z.string().optional(),
    })
    .partial()
    .optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  /** sha256 of model.onnx as shipped; checked at load when present. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestInput = z.input<typeof manifestSchema>;

/** One sentence per problem, naming the field: "vlsm.json: input.mean: expected a tuple of 3 numbers". */
export function formatManifestIssues(err: z.ZodError, file = 'vlsm.json'): string {
  return err.issues.map((i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
