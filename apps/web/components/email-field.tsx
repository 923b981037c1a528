// The labelled email input of the sign-in and invitation forms: its error, or
// else its help text, is what a screen reader hears with it.
import type { ReactNode } from "react";

interface Props {
  /** The form's useId(); the input is `${id}-email`. */
  id: string;
  value: string;
  onChange: (value: string) => void;
  error: string | null;
  autoComplete: "email" | "off";
  placeholder: string;
  help?: ReactNode;
}

export function EmailField({ id, value, onChange, error, autoComplete, placeholder, help }: Props) {
  const describedBy = error ? `${id}-email-error` : help ? `${id}-email-help` : undefined;
  return (
    <div className="field">
      <label htmlFor={`${id}-email`}>Email address</label>
      <input
        id={`${id}-email`}
        type="email"
        name="email"
        autoComplete={autoComplete}
        required
        placeholder={placeholder}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {error ? (
        <span className="error" id={`${id}-email-error`}>
          {error}
        </span>
      ) : (
        help && (
          <span className="help" id={`${id}-email-help`}>
            {help}
          </span>
        )
      )}
    </div>
  );
}
