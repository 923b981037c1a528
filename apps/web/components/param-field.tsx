// One report parameter's input, as its type's form spec describes it (the
// report form and the schedule form both draw them).
import type { FormField } from "@backline/reports";
import { CustomerField } from "./customer-field";

interface ParamFieldProps {
  field: FormField;
  id: string;
  value: string;
  onChange: (value: string) => void;
  invalid: boolean;
  describedBy?: string;
}

export function ParamField({ field, id, value, onChange, invalid, describedBy }: ParamFieldProps) {
  const common = {
    id,
    name: field.name,
    value,
    "aria-invalid": invalid || undefined,
    "aria-describedby": describedBy,
    onChange: (e: { target: { value: string } }) => onChange(e.target.value),
  };
  switch (field.kind) {
    case "date":
      return <input type="date" {...common} />;
    case "month":
      return <input type="month" {...common} placeholder="YYYY-MM" />;
    case "select":
      return (
        <select {...common}>
          {field.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    case "customer":
      return <CustomerField id={id} name={field.name} value={value} onChange={onChange} invalid={invalid} describedBy={describedBy} />;
  }
}
