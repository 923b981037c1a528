/** Who is asking: every command and read of the report service takes one. Everyone sees only their own reports; admins see all. */
export interface Actor {
  userId: string;
  email: string;
  admin: boolean;
}
