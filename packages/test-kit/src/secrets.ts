// Fixed secrets for test stacks (never used outside tests: real deployments
// get their own from the environment, and `npm run up` writes random ones).
export const TEST_SECRETS = {
  AUTH_SECRET: "test-only-auth-secret-0123456789abcdef",
  DOWNLOAD_LINK_SECRET: "test-only-download-link-secret-0123456789",
} as const;

/** What a worker's processors read from its env, for a worker started in a test's own process. */
export const testWorkerSettings = (reportsDir: string, appUrl: string) => ({
  REPORTS_DIR: reportsDir,
  APP_URL: appUrl,
  MAIL_FROM: "Backline <reports@backline.test>",
  MAIL_ATTACHMENT_MAX_BYTES: 20 * 1024 * 1024,
  AUTH_SECRET: TEST_SECRETS.AUTH_SECRET,
  DOWNLOAD_LINK_SECRET: TEST_SECRETS.DOWNLOAD_LINK_SECRET,
  DOWNLOAD_LINK_PREVIOUS_SECRETS: [] as string[],
  DOWNLOAD_LINK_TTL_HOURS: 168,
  NOTIFY_REQUESTER_ON_FAILURE: true,
});
