// Fixed secrets for test stacks (never used outside tests: real deployments
// get their own from the environment, and `npm run up` writes random ones).
export const TEST_SECRETS = {
  AUTH_SECRET: "test-only-auth-secret-0123456789abcdef",
  DOWNLOAD_LINK_SECRET: "test-only-download-link-secret-0123456789",
} as const;
