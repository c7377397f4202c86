// A fixed-bucket latency histogram in the spirit of HdrHistogram: log-linear buckets over
// microseconds, so recording a sample is one index computation and one increment (no allocation),
// and histograms from different processes or intervals merge by adding counts.
//
// Values 0..SUB_BUCKETS-1 µs get one bucket each; above that every power of two is split into
// SUB_BUCKETS/2 linear sub-buckets, bounding the relative error of a reported percentile by
// 2/SUB_BUCKETS (~3% with 64).

const SUB_BUCKET_BITS = 6;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;          // 64
const HALF = SUB_BUCKETS >> 1;
/** Highest trackable value: 2^37 µs (~38 hours); larger samples are clamped into the last bucket. */
const MAX_EXPONENT = 37;
export const BUCKET_COUNT = SUB_BUCKETS + (MAX_EXPONENT - SUB_BUCKET_BITS + 1) * HALF;

/** Bucket index for a value in µs (non-negative; fractions are truncated). */
export function bucketIndex(valueUs: number): number {
  const v = valueUs > 0 ? Math.floor(valueUs) : 0;
  if (v < SUB_BUCKETS) return v;
  const exponent = Math.floor(Math.log2(v));      // >= SUB_BUCKET_BITS
  if (exponent > MAX_EXPONENT) return BUCKET_COUNT - 1;
  const shift = exponent - SUB_BUCKET_BITS + 1;   // bits dropped so the value fits in HALF..SUB_BUCKETS-1
  const sub = Math.floor(v / 2 ** shift) - HALF;  // 0..HALF-1
  return SUB_BUCKETS + (exponent - SUB_BUCKET_BITS) * HALF + sub;
}

/** Smallest value (µs) that lands in bucket i. */
export function bucketLowerBound(i: number): number {
  if (i < SUB_BUCKETS) return i;
  const k = i - SUB_BUCKETS;
  const exponent = SUB_BUCKET_BITS + Math.floor(k / HALF);
  const shift = exponent - SUB_BUCKET_BITS + 1;
  return (HALF + (k % HALF)) * 2 ** shift;
}

/** Largest value (µs) that lands in bucket i. */
export function bucketUpperBound(i: number): number {
  return i + 1 < BUCKET_COUNT ? bucketLowerBound(i + 1) - 1 : bucketLowerBound(i) * 2;
}

/** Sparse form for JSON: [bucketIndex, count] pairs in index order. */
export type SparseHistogram = Array<[number, number]>;

export class Histogram {
  readonly counts = new Float64Array(BUCKET_COUNT);
  count = 0;
  maxUs = 0;
  sumUs = 0;

  record(valueUs: number): void {
    this.counts[bucketIndex(valueUs)]++;
    this.count++;
    this.sumUs += valueUs;
    if (valueUs > this.maxUs) this.maxUs = valueUs;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.maxUs = 0;
    this.sumUs = 0;
  }

  add(other: Histogram): void {
    for (let i = 0; i < BUCKET_COUNT; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sumUs += other.sumUs;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  /**
   * The value at percentile p (0..100): the upper bound of the bucket holding the sample of that
   * rank, capped at the true maximum so p100 is exact. 0 for an empty histogram.
   */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(bucketUpperBound(i), this.maxUs);
    }
    return this.maxUs;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sumUs / this.count;
  }

  toSparse(): SparseHistogram {
    const out: SparseHistogram = [];
    for (let i = 0; i < BUCKET_COUNT; i++) if (this.counts[i] > 0) out.push([i, this.counts[i]]);
    return out;
  }

  static fromSparse(sparse: SparseHistogram, maxUs: number, sumUs: number): Histogram {
    const h = new Histogram();
    for (const [i, c] of sparse) {
      if (!Number.isInteger(i) || i < 0 || i >= BUCKET_COUNT) throw new RangeError(`histogram bucket index out of range: ${i}`);
      h.counts[i] += c;
      h.count += c;
    }
    h.maxUs = maxUs;
    h.sumUs = sumUs;
    return h;
  }

  /** The usual summary, in ms for readability in tables. */
  summaryMs(): LatencySummaryMs {
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      count: this.count,
      p50: ms(this.percentile(50)), p90: ms(this.percentile(90)), p99: ms(this.percentile(99)),
      p999: ms(this.percentile(99.9)), max: ms(this.maxUs), mean: ms(this.mean()),
    };
  }
}

export interface LatencySummaryMs { count: number; p50: number; p90: number; p99: number; p999: number; max: number; mean: number }
