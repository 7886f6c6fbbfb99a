export {
  VOICE_REPORT_SCHEMA,
  type TurnMeasurements,
  type VoiceAttemptPayload,
  type VoiceNote,
  type VoiceReport,
  type VoiceReportRun,
  type VoiceReportTest,
  type VoiceTestAttempt,
} from './model.js'
export {
  buildVoiceReport,
  mergeVoiceReports,
  readVoiceReport,
  summarizeVoiceReport,
  type MetricSummary,
  type TestSummary,
  type VerdictSummary,
  type VoiceReportSummary,
} from './report.js'
export { checkVoiceBudgets, voiceBudgets, type BudgetResult, type MetricBudget, type VerdictBudget, type VoiceBudgets } from './budgets.js'
export { formatVoiceReportTable, type VoiceReportTableOptions } from './table.js'
export { renderVoiceReportHtml, type VoiceReportHtmlOptions } from './html.js'
export {
  finishVoiceRun,
  resolveReporterOptions,
  writeVoiceReport,
  type FinishedVoiceRun,
  type ResolvedReporterOptions,
  type VoiceReporterOptions,
} from './finish.js'
export { percentile, summarize, type ValueSummary } from './stats.js'
