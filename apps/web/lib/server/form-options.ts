// What the report and schedule forms offer: each report type's form spec and
// defaults, and for schedules the relative date ranges it takes.
import "server-only";
import { RANGE_LABELS, relativeFieldsOf, relativeRangesOf, reportTypes } from "@backline/reports";
import type { ReportTypeOption } from "@/components/report-form";
import type { ScheduleTypeOption } from "@/components/schedule-form";

export function reportTypeOptions(): ReportTypeOption[] {
  return Object.values(reportTypes).map((type) => ({
    id: type.id,
    title: type.title,
    description: type.description,
    form: type.form,
    defaults: type.params.parse({}) as Record<string, unknown>,
  }));
}

export function scheduleTypeOptions(): ScheduleTypeOption[] {
  return reportTypeOptions().map((type) => ({
    ...type,
    ranges: relativeRangesOf(type.id).map((id) => ({ id, label: RANGE_LABELS[id] })),
    relativeFields: [...relativeFieldsOf(type.id)],
  }));
}
