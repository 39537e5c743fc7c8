import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { SMTPServer } from 'smtp-server';
import { MailOutbox } from './mail-outbox';

const mail = { to: 'dev@example.com', subject: 'Confirm your Meridian account', text: 'Open https://meridian.example/confirm?t=abc' };

describe('MailOutbox', () => {
  let dir: string;
  const log = new Logger('mail-outbox.spec');
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-mail-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes the email to the outbox as an .eml only its owner can read when no SMTP server is configured', async () => {
    const outboxDir = join(dir, 'outbox');
    const outbox = new MailOutbox({ from: 'Meridian <no-reply@meridian.example>', outboxDir }, log);

    expect(await outbox.send(mail, 'signup', 'sign-up confirmation')).toBe('outbox');

    const files = await readdir(outboxDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d+-signup\.eml$/);
    expect((await stat(join(outboxDir, files[0]))).mode & 0o777).toBe(0o600);
    const eml = await readFile(join(outboxDir, files[0]), 'utf8');
    expect(eml).toContain('To: dev@example.com');
    expect(eml).toContain('From: Meridian <no-reply@meridian.example>');
    expect(eml).toContain(`Subject: ${mail.subject}`);
    expect(eml).toContain('https://meridian.example/confirm?t=abc');
  });

  it('sends over SMTP when configured, and writes nothing to the outbox', async () => {
    const received: string[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks).toString('utf8'));
          done();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.server.address() as AddressInfo;
      const outboxDir = join(dir, 'outbox');
      const outbox = new MailOutbox({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'no-reply@meridian.example', outboxDir }, log);

      expect(await outbox.send(mail, 'invite', 'invitation')).toBe('sent');

      expect(received).toHaveLength(1);
      expect(received[0]).toContain(`Subject: ${mail.subject}`);
      await expect(readdir(outboxDir)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
