// The one layout every Backline email shares (React Email components, rendered
// to static HTML once per message): a preheader, the brand line, a card with the
// message, a footer. Table-based and inline-styled as mail clients need;
// responsive (one column under 600 px) and with a dark palette for clients that
// honour prefers-color-scheme (Apple Mail, Outlook.com, Gmail apps recolour on
// their own; the light palette has enough contrast to survive that).
//
// Written with createElement rather than JSX, so every package that type-checks
// this source (the worker, the web app, the tools) needs no JSX settings.
import { Body, Button, Column, Container, Head, Heading, Hr, Html, Link, Preview, Row, Section, Text } from "@react-email/components";
import { createElement as h, type ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";

const PALETTE = {
  page: "#f4f6f8",
  card: "#ffffff",
  text: "#1f2933",
  muted: "#5f6b7a",
  rule: "#d5dbe2",
  accent: "#2b5fa8",
  accentSoft: "#edf2f9",
} as const;

const FONT_STACK = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Noto Sans', Helvetica, Arial, sans-serif";

// Class names only for what inline styles can't say: dark mode and narrow screens.
const CSS = `
:root { color-scheme: light dark; supported-color-schemes: light dark; }
body.bl-page { background-color: ${PALETTE.page}; margin: 0; padding: 0; }
@media (prefers-color-scheme: dark) {
  .bl-page { background-color: #0f1419 !important; }
  .bl-card { background-color: #1a2129 !important; border-color: #2d3843 !important; }
  .bl-text { color: #e6e9ed !important; }
  .bl-muted { color: #a9b4c0 !important; }
  .bl-brand, .bl-link { color: #8fb8ff !important; }
  .bl-figure { background-color: #22303f !important; border-left-color: #8fb8ff !important; }
  .bl-button { background-color: #8fb8ff !important; color: #0f1419 !important; }
  .bl-rule { border-color: #2d3843 !important; }
}
[data-ogsc] .bl-text { color: #e6e9ed !important; }
[data-ogsc] .bl-muted { color: #a9b4c0 !important; }
[data-ogsc] .bl-brand, [data-ogsc] .bl-link { color: #8fb8ff !important; }
[data-ogsb] .bl-page { background-color: #0f1419 !important; }
[data-ogsb] .bl-card { background-color: #1a2129 !important; }
[data-ogsb] .bl-figure { background-color: #22303f !important; }
@media only screen and (max-width: 600px) {
  .bl-card { padding: 24px 18px !important; border-radius: 0 !important; }
  .bl-figure-cell { display: block !important; width: auto !important; margin: 0 0 8px 0 !important; }
  .bl-gap { display: none !important; }
  .bl-button { display: block !important; text-align: center !important; }
  .bl-heading { font-size: 22px !important; }
}
`;

export interface Figure {
  label: string;
  value: string;
}

export interface LayoutProps {
  /** BCP 47 language of the words (the HTML's lang). */
  lang: string;
  title: string;
  /** The line inbox lists show after the subject. */
  preheader: string;
  heading: string;
  children?: ReactNode;
  /** Small print under the card. */
  footer: ReactNode;
}

export function Layout(props: LayoutProps) {
  return h(
    Html,
    { lang: props.lang, dir: "ltr" },
    h(
      Head,
      null,
      h("meta", { name: "viewport", content: "width=device-width, initial-scale=1" }),
      h("meta", { name: "color-scheme", content: "light dark" }),
      h("meta", { name: "supported-color-schemes", content: "light dark" }),
      h("title", null, props.title),
      // biome-ignore lint/security/noDangerouslySetInnerHtml: a constant of this module, no input in it; text children would be escaped.
      h("style", { dangerouslySetInnerHTML: { __html: CSS } }),
    ),
    h(Preview, null, props.preheader),
    h(
      Body,
      // The page colour is on the body (by class) and on the table inside it (inline, for clients that drop <style>).
      { className: "bl-page", style: { fontFamily: FONT_STACK } },
      h(
        Section,
        { className: "bl-page", style: { backgroundColor: PALETTE.page, padding: "24px 0" } },
        h(
          Container,
          { style: { maxWidth: "600px", width: "100%" } },
          h(
            Section,
            { style: { padding: "0 24px 12px" } },
            h(
              Text,
              { className: "bl-brand", style: { margin: 0, color: PALETTE.accent, fontSize: "12px", fontWeight: 700, letterSpacing: "2px" } },
              "BACKLINE",
            ),
          ),
          h(
            Section,
            {
              className: "bl-card",
              style: { backgroundColor: PALETTE.card, borderRadius: "8px", border: `1px solid ${PALETTE.rule}`, padding: "32px" },
            },
            h(
              Heading,
              {
                as: "h1",
                className: "bl-text bl-heading",
                style: { margin: "0 0 16px", color: PALETTE.text, fontSize: "24px", lineHeight: "32px", fontWeight: 700 },
              },
              props.heading,
            ),
            props.children,
          ),
          h(Section, { style: { padding: "16px 24px 0" } }, props.footer),
        ),
      ),
    ),
  );
}

/** A paragraph in the card. */
export function Paragraph(props: { children?: ReactNode; muted?: boolean; small?: boolean; margin?: string }) {
  return h(
    Text,
    {
      className: props.muted ? "bl-muted" : "bl-text",
      style: {
        margin: props.margin ?? "0 0 16px",
        color: props.muted ? PALETTE.muted : PALETTE.text,
        fontSize: props.small ? "13px" : "16px",
        lineHeight: props.small ? "20px" : "24px",
      },
    },
    props.children,
  );
}

/**
 * The headline figures side by side, each a tinted cell (cells of one row share
 * its height), stacked on a phone.
 */
export function Figures(props: { figures: readonly Figure[] }) {
  if (props.figures.length === 0) return null;
  const width = `${Math.floor((100 - 3 * (props.figures.length - 1)) / props.figures.length)}%`;
  const cells: ReactNode[] = [];
  props.figures.forEach((figure, i) => {
    if (i > 0) cells.push(h(Column, { key: `gap${i}`, className: "bl-gap", style: { width: "3%", fontSize: "1px", lineHeight: "1px" } }, "\u00a0"));
    cells.push(
      h(
        Column,
        {
          key: figure.label,
          className: "bl-figure bl-figure-cell",
          valign: "top",
          style: {
            width,
            backgroundColor: PALETTE.accentSoft,
            borderLeft: `3px solid ${PALETTE.accent}`,
            borderRadius: "4px",
            padding: "12px 14px",
            verticalAlign: "top",
          },
        },
        h(
          Text,
          {
            className: "bl-muted",
            style: {
              margin: 0,
              color: PALETTE.muted,
              fontSize: "11px",
              lineHeight: "16px",
              fontWeight: 700,
              letterSpacing: "0.5px",
              textTransform: "uppercase",
            },
          },
          figure.label,
        ),
        h(
          Text,
          { className: "bl-text", style: { margin: "4px 0 0", color: PALETTE.text, fontSize: "20px", lineHeight: "28px", fontWeight: 700 } },
          h("bdi", null, figure.value),
        ),
      ),
    );
  });
  return h(Section, { style: { margin: "0 0 20px" } }, h(Row, null, ...cells));
}

/** The one primary action. */
export function PrimaryButton(props: { href: string; children?: ReactNode }) {
  return h(
    Section,
    { style: { margin: "4px 0 20px" } },
    h(
      Button,
      {
        href: props.href,
        className: "bl-button",
        style: {
          backgroundColor: PALETTE.accent,
          color: "#ffffff",
          borderRadius: "6px",
          padding: "12px 22px",
          fontSize: "16px",
          fontWeight: 600,
          textDecoration: "none",
        },
      },
      props.children,
    ),
  );
}

export function TextLink(props: { href: string; children?: ReactNode }) {
  return h(Link, { href: props.href, className: "bl-link", style: { color: PALETTE.accent, textDecoration: "underline" } }, props.children);
}

export function Rule() {
  return h(Hr, { className: "bl-rule", style: { borderColor: PALETTE.rule, margin: "8px 0 16px" } });
}

/** Small print under the card. */
export function FooterText(props: { children?: ReactNode }) {
  return h(Text, { className: "bl-muted", style: { margin: "0 0 8px", color: PALETTE.muted, fontSize: "12px", lineHeight: "18px" } }, props.children);
}

/** Static HTML for a message (no React runtime in the client, no hydration markers). */
export function renderHtml(element: ReactNode): string {
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">${renderToStaticMarkup(element)}`;
}

export { h };
