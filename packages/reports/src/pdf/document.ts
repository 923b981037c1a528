// Creates the streaming pdfkit document every report draws into.
import PDFDocument from "pdfkit";
import { FONT, PAGE } from "./theme.ts";

export interface DocumentMeta {
  title: string;
  subject?: string;
  creationDate: Date;
}

export function createReportDocument(meta: DocumentMeta): PDFKit.PDFDocument {
  return new PDFDocument({
    size: PAGE.size,
    // pdfkit's own margins are zero: layout is explicit (see theme.ts), and a
    // non-zero bottom margin is what makes pdfkit add pages by itself.
    margin: 0,
    // Pages are added by PageSequence, which knows the total page count.
    autoFirstPage: false,
    // Each page is flushed as soon as the next one starts; the file is never held in memory.
    bufferPages: false,
    font: FONT.regular,
    info: {
      Title: meta.title,
      Author: "Backline",
      Creator: "Backline reports",
      ...(meta.subject ? { Subject: meta.subject } : {}),
      CreationDate: meta.creationDate,
    },
  });
}
