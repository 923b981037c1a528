export {
  SIGN_IN_EMAIL_RETENTION_MS,
  addSignInEmailJob,
  deleteOldSignInEmails,
  markSignInEmailSent,
  pendingSignInEmailIds,
  queueSignInEmail,
  takeSignInEmail,
  withdrawSignInEmails,
  type TakenSignInEmail,
} from "./outbox.ts";
export { openSignInLink, sealSignInLink } from "./sealed-links.ts";
