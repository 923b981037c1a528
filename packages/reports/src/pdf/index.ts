// The PDF layout toolkit shared by report types.
export { COLOR, FONT, PAPER_SIZES, pageGeometry, type PageGeometry, type PaperSize } from "./theme.ts";
export { createReportDocument, type DocumentMeta } from "./document.ts";
export { FACE_CHAINS, fontsDir, loadFace, type FaceKey, type FontStyle } from "./fonts.ts";
export { isolate, layoutFeatures, splitRuns, type TextRun } from "./text-runs.ts";
export { centredTop, drawLine, fitText, textWidth, type LineOptions, type TextStyle } from "./text.ts";
export { artifact, close, endStructure, isTagged, open, resume, startStructure, suspend, tag, within, type ElementOptions } from "./structure.ts";
export { CURRENCY, DEFAULT_LOCALE, divideCents, formatMoney, formatMoneyCompact, groupThousands } from "./money.ts";
export { drawKpiBoxes, KPI_BOX_HEIGHT, type Kpi } from "./kpi-boxes.ts";
export { bucketBars, drawBarChart, maxBarsFor, MIN_PITCH, niceStep, type Bar, type BarChartOptions } from "./bar-chart.ts";
export { Table, type Column, type RowStyle, type TableOptions, type TableSlice } from "./table.ts";
export { drawFooter, pageLabel } from "./footer.ts";
export { PageSequence } from "./pages.ts";
export { drawReportHeader, REPORT_HEADER_HEIGHT, type ReportHeader } from "./header.ts";
export { DETAIL_LINE_HEIGHT, drawDetails, drawSectionTitle, SECTION_TITLE_HEIGHT } from "./details.ts";
