// Reads an unlabelled Prometheus histogram out of /metrics text, so the bench can report the
// gateway's own view of its audit writes (countersign_audit_batch_*) over one phase.

export interface Histogram {
  /** Cumulative counts by upper bound, ascending; the last is +Inf. */
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

export function parseHistogram(text: string, name: string): Histogram {
  const buckets: Histogram['buckets'] = [];
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}_bucket{`)) {
      const match = /le="([^"]+)"\}\s+(\S+)/.exec(line);
      if (match)
        buckets.push({
          le: match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]),
          count: Number(match[2]),
        });
    } else if (line.startsWith(`${name}_sum `)) {
      sum = Number(line.slice(name.length + 5));
    } else if (line.startsWith(`${name}_count `)) {
      count = Number(line.slice(name.length + 7));
    }
  }
  buckets.sort((a, b) => a.le - b.le);
  return { buckets, sum, count };
}

/** What was observed between two scrapes. */
export function histogramDelta(after: Histogram, before: Histogram): Histogram {
  return {
    buckets: after.buckets.map((bucket, index) => ({
      le: bucket.le,
      count: bucket.count - (before.buckets[index]?.count ?? 0),
    })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/** Quantile by linear interpolation inside the bucket that holds it (as PromQL's histogram_quantile). */
export function histogramQuantile(histogram: Histogram, q: number): number {
  if (histogram.count === 0) return Number.NaN;
  const rank = q * histogram.count;
  let previousLe = 0;
  let previousCount = 0;
  for (const bucket of histogram.buckets) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return previousLe;
      const inBucket = bucket.count - previousCount;
      return inBucket === 0 ? bucket.le : previousLe + ((bucket.le - previousLe) * (rank - previousCount)) / inBucket;
    }
    previousLe = bucket.le;
    previousCount = bucket.count;
  }
  return previousLe;
}

export async function scrape(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  return response.text();
}
