// The bare baseline of `npm run bench`: a Next.js app with one route handler
// and no proxy, built and started (`next start`) beside Backline, so a request's
// CPU and latency can be compared with what Next itself costs. Nothing else is
// configured; Turbopack's root is the repository, whose node_modules hold Next.
import path from "node:path";

export default { turbopack: { root: path.resolve(import.meta.dirname, "../..") } };
