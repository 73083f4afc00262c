// Generates large realistic pytest logs from the real samples (test/unit/failures/samples),
// with varied test names, for the streaming memory test and the parse-text benchmark.
import * as fs from "node:fs";
import * as path from "node:path";

export const SAMPLE_NAMES = ["modern-tb-long.txt", "legacy-tb-short-rA.txt", "modern-v.txt", "legacy-xdist-long.txt", "modern-ci-color.txt", "legacy-tb-native.txt", "modern-tb-line.txt", "modern-q.txt"];

export function sampleDir(root: string): string {
  return path.join(root, "test", "unit", "failures", "samples");
}

export function loadSamples(root: string): string[] {
  return SAMPLE_NAMES.map((n) => fs.readFileSync(path.join(sampleDir(root), n), "utf8"));
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Yields whole pytest sessions (each a sample with its test names renamed) until `total` bytes. */
export function* generateLog(samples: readonly string[], total: number, seed = 1): Generator<string> {
  const rnd = prng(seed);
  let produced = 0;
  let n = 0;
  while (produced < total) {
    const s = samples[Math.floor(rnd() * samples.length)] ?? "";
    const tag = `r${n++}`;
    const text = s.replace(/test_(unique_email|composite_unique|not_null_with_space|foreign_key|check|symptom_one|symptom_param|setup_error|teardown_error|plain_assert|locked)/g, `test_$1_${tag}`);
    produced += text.length;
    yield text;
  }
}
