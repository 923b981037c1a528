// /admin/queues/** — Bull Board, the queues' internals (lib/server/queue-dashboard.ts): its page, static files
// and API. Admins only (anyone else: 404); read-only unless QUEUE_DASHBOARD_ACTIONS=true.
import { serveQueueDashboard } from "@/lib/server/queue-dashboard";

export const dynamic = "force-dynamic";

export const GET = serveQueueDashboard;
export const HEAD = serveQueueDashboard;
export const POST = serveQueueDashboard;
export const PUT = serveQueueDashboard;
export const PATCH = serveQueueDashboard;
export const DELETE = serveQueueDashboard;
