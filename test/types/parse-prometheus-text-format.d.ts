declare module 'parse-prometheus-text-format' {
  interface Sample {
    labels?: { [name: string]: string };
    value?: string;
    buckets?: { [le: string]: string };
    quantiles?: { [q: string]: string };
    count?: string;
    sum?: string;
  }
  interface Family {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: Sample[];
  }
  /** Throws on a line that is not valid in the Prometheus text exposition format. */
  export default function parsePrometheusTextFormat(text: string): Family[];
}
