/**
 * What both reporter entries (`expect-voice/reporter`, `expect-voice/jest-reporter`) export of the run report besides
 * their reporter class: one list, so the two entries cannot drift apart.
 */
export {
  buildVoiceReport,
  checkVoiceBudgets,
  formatVoiceReportTable,
  mergeVoiceReports,
  readVoiceReport,
  renderVoiceReportHtml,
  summarizeVoiceReport,
  VOICE_REPORT_SCHEMA,
  voiceBudgets,
  writeVoiceReport,
} from './index.js'
export type {
  BudgetResult,
  MetricBudget,
  MetricSummary,
  TestSummary,
  TurnMeasurements,
  VerdictBudget,
  VerdictSummary,
  VoiceAttemptPayload,
  VoiceBudgets,
  VoiceNote,
  VoiceReport,
  VoiceReporterOptions,
  VoiceReportRun,
  VoiceReportSummary,
  VoiceReportTest,
  VoiceTestAttempt,
  FinishedVoiceRun,
} from './index.js'
