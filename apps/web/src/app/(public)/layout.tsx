import type { ReactNode } from 'react';
import { PrefsMenu } from '../../components/app-shell';

/** Sign-in, sign-up and invitation pages: no session needed. */
export default function PublicLayout({ children }: { children: ReactNode }) {
  return (
    <div className="public">
      <header className="public-head">
        <span className="brand">Meridian</span>
        <PrefsMenu />
      </header>
      <main className="public-main">{children}</main>
    </div>
  );
}
