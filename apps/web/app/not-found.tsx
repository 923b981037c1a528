import Link from "next/link";

export default function NotFound() {
  return (
    <>
      <title>Not found · Backline</title>
      <h1>Not found</h1>
      <p className="lede">There is no report at this address. Check the link in your email, or start a new one.</p>
      <Link className="button" href="/">
        New report
      </Link>
    </>
  );
}
