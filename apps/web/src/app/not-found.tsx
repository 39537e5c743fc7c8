import Link from 'next/link';

// Rendered at build time (static export), so it cannot know the user's language: both are shown.
export default function NotFound() {
  return (
    <main className="public-main">
      <div className="card">
        <h1>Page not found · ページが見つかりません</h1>
        <p>
          <Link href="/">Meridian</Link>
        </p>
      </div>
    </main>
  );
}
