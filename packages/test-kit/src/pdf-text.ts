// Text of each page of a PDF, via unpdf (pdf.js), for asserting what a report prints.
import { extractText, getDocumentProxy } from "unpdf";

export async function pdfText(data: Uint8Array): Promise<{ pages: string[]; text: string }> {
  const pdf = await getDocumentProxy(new Uint8Array(data));
  const { text } = await extractText(pdf, { mergePages: false });
  return { pages: text, text: text.join("\n") };
}
