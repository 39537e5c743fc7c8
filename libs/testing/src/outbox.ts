import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The emails the server wrote to `<dataDir>/outbox` (no SMTP configured), decoded to plain text, oldest first. */
export async function outboxEmails(dataDir: string): Promise<Array<{ file: string; to: string; subject: string; text: string }>> {
  const dir = join(dataDir, 'outbox');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).sort();
  return Promise.all(
    files.map(async (file) => {
      const raw = (await readFile(join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
      const [head, ...body] = raw.split('\n\n');
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head.replace(/\n[ \t]+/g, ' '))?.[1] ?? '';
      let text = body.join('\n\n');
      if (/quoted-printable/i.test(header('Content-Transfer-Encoding'))) {
        text = text.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      } else if (/base64/i.test(header('Content-Transfer-Encoding'))) {
        text = Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
      }
      return { file, to: header('To').toLowerCase(), subject: header('Subject'), text };
    }),
  );
}

/** Waits (up to 5 s) for the sign-up verification link emailed to `email` and returns it. */
export async function readSignupEmailLink(dataDir: string, email: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const mails = (await outboxEmails(dataDir)).filter((m) => m.to.includes(email.toLowerCase()) && m.file.endsWith('-signup.eml'));
    const link = mails
      .map((m) => /https?:\/\/\S+\/verify-email\?token=[A-Za-z0-9_-]+/.exec(m.text)?.[0])
      .filter(Boolean)
      .pop();
    if (link) return link;
    if (Date.now() > deadline)
      throw new Error(`no sign-up verification email for ${email} in ${join(dataDir, 'outbox')} (${mails.length} other sign-up emails for it)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
