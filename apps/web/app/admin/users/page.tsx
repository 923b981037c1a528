// /admin/users — who has an account, who is invited, who was removed. Admins
// only (ADMIN_EMAILS); anyone else, signed in or not, gets the ordinary 404.
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AdminNav } from "@/components/admin-nav";
import { UtcTime } from "@/components/utc-time";
import { pageActor } from "@/lib/server/session";
import { describeSignUpPolicy } from "@backline/config";
import { webEnv } from "@/lib/server/env";
import { listUsers } from "@/lib/server/user-admin";
import { CancelInvitationButton, InviteForm, RemoveUserButton } from "./user-actions";

export const metadata: Metadata = { title: "Users" };
export const dynamic = "force-dynamic";

export default async function AdminUsersPage() {
  const actor = await pageActor();
  if (!actor?.admin) notFound();
  const { users, invitations } = await listUsers();
  const policy = describeSignUpPolicy(webEnv());

  return (
    <>
      <h1>Users</h1>
      <AdminNav current="/admin/users" />
      <p className="lede">{policy} Removing someone signs them out everywhere and stops their download links; their reports stay.</p>

      <InviteForm />

      {invitations.length > 0 && (
        <section className="card" style={{ marginTop: 20 }} aria-labelledby="invitations-heading">
          <h2 id="invitations-heading" className="card-title">
            Invited, not signed in yet
          </h2>
          <div className="table-wrap">
            <table className="reports">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Invited</th>
                  <th scope="col">By</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {invitations.map((i) => (
                  <tr key={i.email}>
                    <td>{i.email}</td>
                    <td>
                      <UtcTime at={i.createdAt} />
                    </td>
                    <td>{i.invitedBy}</td>
                    <td>
                      <CancelInvitationButton email={i.email} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      <section className="card" style={{ marginTop: 20 }} aria-labelledby="users-heading">
        <h2 id="users-heading" className="card-title">
          {users.length === 0 ? "No accounts yet" : `Accounts (${users.length})`}
        </h2>
        {users.length > 0 && (
          <div className="table-wrap">
            <table className="reports">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last sign-in</th>
                  <th scope="col">Status</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <tr key={u.id} data-removed={u.removedAt ? "" : undefined}>
                    <td>
                      {u.email}
                      {u.admin && <span className="tag">admin</span>}
                    </td>
                    <td>
                      <UtcTime at={u.createdAt} />
                    </td>
                    <td>{u.lastSignInAt ? <UtcTime at={u.lastSignInAt} /> : "—"}</td>
                    <td>
                      {u.removedAt ? (
                        <>
                          Removed <UtcTime at={u.removedAt} />
                        </>
                      ) : u.invited ? (
                        "Active (invited)"
                      ) : (
                        "Active"
                      )}
                    </td>
                    <td>
                      {u.removedAt ? (
                        <span className="muted">Invite again to restore</span>
                      ) : u.admin || u.id === actor.userId ? null : (
                        <RemoveUserButton id={u.id} email={u.email} />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
