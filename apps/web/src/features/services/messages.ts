import { defineMessages } from '../../lib/i18n';

/** Strings of the services page (RED table with sparklines). */
export const servicesMessages = defineMessages({
  en: {
    title: 'Services',
    intro: 'Transactions per service and endpoint: throughput, errors, response-time percentiles and Apdex (T = 500 ms). Open a service to see its hitmap.',
    window: 'Window',
    spanLabel: (span: string) =>
      span
        .replace(/^(\d+)m$/, '$1 min')
        .replace(/^(\d+)h$/, '$1 h')
        .replace(/^(\d+)d$/, '$1 days'),
    loading: 'Loading services…',
    failed: 'Could not load the services',
    noData: 'services',
    emptyWindow: 'No transactions in this window.',
    emptyWindowHelp: 'Pick a longer window, or check that your applications are sending spans.',
    colName: 'Service / endpoint',
    colThroughput: 'Throughput',
    colErrorRate: 'Errors',
    colP50: 'p50',
    colP95: 'p95',
    colP99: 'p99',
    colApdex: 'Apdex',
    colTrend: 'Trend',
    perMin: (n: string) => `${n}/min`,
    transactions: (n: string) => `${n} transactions`,
    trendThroughput: 'Transactions per minute',
    trendP95: 'p95 response time',
    trendShort_throughput: 'tpm',
    trendShort_latency: 'p95',
    peak: (value: string) => `peak ${value}`,
    trendSpan: (from: string, to: string, bucket: string) => `${from}–${to}, per ${bucket}`,
    openHitmap: (name: string) => `Hitmap of ${name}`,
    endpoints: (n: number) => (n === 1 ? '1 endpoint' : `${n} endpoints`),
    excellent: 'excellent',
    good: 'good',
    fair: 'fair',
    poor: 'poor',
    unacceptable: 'unacceptable',
  },
  ja: {
    title: 'サービス',
    intro:
      'サービス・エンドポイントごとのトランザクション：スループット、エラー、応答時間のパーセンタイル、Apdex（T = 500 ms）。サービスを開くとヒットマップを表示します。',
    window: '期間',
    spanLabel: (span: string) =>
      span
        .replace(/^(\d+)m$/, '$1分')
        .replace(/^(\d+)h$/, '$1時間')
        .replace(/^(\d+)d$/, '$1日'),
    loading: 'サービスを読み込み中…',
    failed: 'サービスを読み込めませんでした',
    noData: 'サービス',
    emptyWindow: 'この期間にトランザクションはありません。',
    emptyWindowHelp: '期間を広げるか、アプリケーションがスパンを送っているか確認してください。',
    colName: 'サービス / エンドポイント',
    colThroughput: 'スループット',
    colErrorRate: 'エラー率',
    colP50: 'p50',
    colP95: 'p95',
    colP99: 'p99',
    colApdex: 'Apdex',
    colTrend: '推移',
    perMin: (n: string) => `${n}/分`,
    transactions: (n: string) => `${n} 件`,
    trendThroughput: '1 分あたりのトランザクション数',
    trendP95: 'p95 応答時間',
    trendShort_throughput: 'tpm',
    trendShort_latency: 'p95',
    peak: (value: string) => `最大 ${value}`,
    trendSpan: (from: string, to: string, bucket: string) => `${from}〜${to}、${bucket}ごと`,
    openHitmap: (name: string) => `${name} のヒットマップ`,
    endpoints: (n: number) => `${n} エンドポイント`,
    excellent: '非常に良い',
    good: '良い',
    fair: '普通',
    poor: '悪い',
    unacceptable: '許容できない',
  },
});
