/** PDF robustness reports from the results store. See docs/report.md. */
export { generateReport, readReportData, reportHashFromStore, ReportError, writeReport, type GeneratedReport, type GenerateOptions } from './generate.js';
export { reportHash, canonicalJson } from './hash.js';
export type { ReportData } from './report-data.js';
