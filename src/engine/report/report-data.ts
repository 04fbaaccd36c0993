/**
 * Everything a report shows, as plain data read from the results store (from-store.ts) and nothing else.
 * The document builder turns it into pages; the report hash is the SHA-256 of this object's canonical
 * JSON (hash.ts), so anyone holding the store can recompute it and compare it with the PDF's.
 */

/** A mean (or rate) with its 95 % bootstrap interval over `n` valid values (NaN bounds when n < 2). */
export interface Estimate {
  estimate: number;
  low: number;
  high: number;
  n: number;
}

export interface EpsilonColumn {
  /** Attack units: 'pixel' (k/255 on the [0,1] image) or 'normalised' (model domain); 'su', 'HU', '255w' (stored domain). */
  units: string;
  /** ε in the units' own scale ([0,1] for pixel). */
  value: number;
  /** As printed: "8/255" for pixel units, a decimal for normalised ones. */
  label: string;
}

export interface VerdictRow {
  model: string;
  dataset: string;
  /** Images × prompts evaluated. */
  samples: number;
  clean: Estimate;
  /** Per ε column (same order as ReportData.epsilons): mean Dice under the strongest attack at that ε. */
  atEps: (Estimate & { attack: string })[];
  /** Mean over samples of the worst Dice over every attack at the largest ε. */
  robust: Estimate;
  /** Share of samples that some attack at the largest ε broke (success criterion in method.success). */
  success: Estimate & { successes: number };
}

export interface CurveSeries {
  model: string;
  dataset: string;
  attack: string;
  units: string;
  points: { eps: number; eps255: number; dice: Estimate }[];
}

export interface BreakdownRow {
  /** What the row groups by: an attack at one ε ("pgd at 8/255"), or a prompt text. */
  key: string;
  model: string;
  dataset: string;
  clean: Estimate;
  /** Mean Dice under that attack (per-dataset rows) or the robust Dice (per-prompt rows). */
  attacked: Estimate;
  success: Estimate;
}

export interface StoredImages {
  original: Uint8Array;
  adversarial: Uint8Array;
  groundTruth: Uint8Array | null;
  cleanPrediction: Uint8Array;
  adversarialPrediction: Uint8Array;
  /** Stored domain: the perturbation panel as stored (grey ½ + Δ su/(2 ε su)). */
  perturbation?: Uint8Array;
}

/** A stored-domain worst case's budget, in all three units (describeUnits). */
export interface StoredWorst {
  eps: string;
  maxDelta: string;
  /** The perturbation panel's black/white, e.g. "20 su = 20 HU". */
  scale: string;
  image: string;
}

/** One row of the stored-domain budget table: an attack's ε on one kind of image, in all three units. */
export interface StoredBudgetRow {
  attack: string;
  /** ε as the plan gave it ("10 HU", "2/255w"). */
  given: string;
  su: number;
  HU: number | null;
  w255: number;
  image: string;
  cells: number;
  /** Largest max |Δ stored| over those cells. */
  maxDeltaSu: number;
}

export interface WorstCase {
  model: string;
  dataset: string;
  /** Never a file path: "sha256 1a2b3c4d…" or a dataset's own image id (dataset ids are not patient data). */
  image: string;
  prompt: string;
  attack: string;
  eps: EpsilonColumn;
  cleanDice: number;
  adversarialDice: number;
  images: StoredImages | null;
  /** Stored-domain cells: ε and the perturbation in su, HU and k/255w. */
  stored?: StoredWorst;
  /** DICOM identifiers of the source file; filled only with --include-identifiers. */
  identifiers?: Record<string, string>;
}

export interface AttackMethod {
  label: string;
  name: string;
  norm: string;
  units: string;
  domain: string;
  eps: string[];
  alpha: string;
  steps: number | null;
  restarts: number;
  randomStart: boolean;
  earlyStop: boolean;
  loss: string;
  target: string;
  schedule: string;
}

export interface ModelProvenance {
  name: string;
  version: string;
  sha256: string;
  /** The vlsm.json manifest as stored. */
  manifest: unknown;
}

export interface DatasetProvenance {
  name: string;
  kind: string;
  split: string | null;
  images: number;
  /** SHA-256 over the sorted per-file hashes (the store keeps each file's hash). */
  hash: string;
  referenceFree: boolean;
  /** True when any input is a DICOM file (the ε note then explains k/255 on 12/16-bit data). */
  dicom: boolean;
}

export interface ReportData {
  audit: {
    id: string;
    name: string;
    description: string | null;
    status: string;
    cellsDone: number;
    cellsTotal: number;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
  };
  epsilons: EpsilonColumn[];
  verdict: VerdictRow[];
  curves: CurveSeries[];
  perDataset: BreakdownRow[];
  perPrompt: BreakdownRow[];
  worst: WorstCase[];
  method: {
    attacks: AttackMethod[];
    seeds: number[];
    quantisation: string;
    success: string;
    promptModes: string[];
    execution: Record<string, unknown>;
    /** Present when the audit has stored-domain cells. */
    stored?: StoredBudgetRow[];
  };
  limitations: string[];
  provenance: {
    app: { name: string; version: string; commit: string | null };
    models: ModelProvenance[];
    datasets: DatasetProvenance[];
    provider: string;
    threads: number | null;
    engine: string | null;
    plan: unknown;
    timestamps: { label: string; value: string }[];
  };
}
