import { BadRequestException, Controller, Inject, Injectable, Req, Res, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { API_ROUTES as R, type ParsedInput, type ResponseOf } from '@meridian/api-contract';
import { Endpoint, fieldError, Input, PrincipalOf, type ApiRequest, type Principal } from '@meridian/api-http';
import { EmailTakenError, InvitationError, type User } from '@meridian/control-plane';
import type { Response } from 'express';
import { AUTH_OPTIONS, type AuthOptions } from './auth-options';
import { AuthService, VerificationLinkError, WeakPasswordError } from './auth.service';
import { clearSessionCookie, clientMeta, setSessionCookie, wantsSecureCookie } from './cookies';
import { CsrfProtection } from './csrf';

type Out<K extends keyof typeof R> = Promise<ResponseOf<(typeof R)[K]>>;

@Injectable()
class PasswordGuard extends AuthGuard('mrd-password') {
  override handleRequest<T>(err: unknown, user: T, info: { message?: string } | undefined): T {
    if (err) throw err;
    if (!user) throw new BadRequestException(`email, password: ${info?.message ?? 'required'}`);
    return user;
  }
}

@Controller()
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(CsrfProtection) private readonly csrf: CsrfProtection,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  @Endpoint(R.signUp)
  async signUp(@Input() { body }: ParsedInput<typeof R.signUp>, @Req() req: ApiRequest, @Res({ passthrough: true }) res: Response): Out<'signUp'> {
    try {
      const out = await this.auth.signUp(body.email, body.password, clientMeta(req), body.inviteToken);
      if (out.kind === 'verification-sent') return { verification: 'sent', email: body.email };
      return await this.#signedIn(out.user, out.session, req, res);
    } catch (err) {
      if (err instanceof WeakPasswordError) throw fieldError([{ field: 'body.password', message: err.reason }]);
      if (err instanceof EmailTakenError) throw fieldError([{ field: 'body.email', message: err.message.replace(/^email: /, '') }]);
      if (err instanceof InvitationError) throw fieldError([{ field: 'body.inviteToken', message: err.message.replace(/^token: /, '') }]);
      throw err;
    }
  }

  @Endpoint(R.verifyEmail)
  async verifyEmail(
    @Input() { body }: ParsedInput<typeof R.verifyEmail>,
    @Req() req: ApiRequest,
    @Res({ passthrough: true }) res: Response,
  ): Out<'verifyEmail'> {
    try {
      const { user, session } = await this.auth.verifyEmail(body.token, clientMeta(req));
      return await this.#signedIn(user, session, req, res);
    } catch (err) {
      if (err instanceof VerificationLinkError) throw fieldError([{ field: 'body.token', message: err.message.replace(/^token: /, '') }]);
      throw err;
    }
  }

  @Endpoint(R.signIn)
  @UseGuards(PasswordGuard)
  async signIn(@Req() req: ApiRequest, @Res({ passthrough: true }) res: Response): Out<'signIn'> {
    const user = req.user as User;
    return this.#signedIn(user, await this.auth.startSession(user, clientMeta(req)), req, res);
  }

  @Endpoint(R.getSession)
  async session(@PrincipalOf() p: Principal, @Req() req: ApiRequest, @Res({ passthrough: true }) res: Response): Out<'getSession'> {
    if (p.kind !== 'user') throw new BadRequestException('api keys have no session');
    return this.#snapshot({ id: p.userId, email: p.email }, p.sessionId, req, res);
  }

  @Endpoint(R.signOut)
  async signOut(@PrincipalOf() p: Principal, @Res({ passthrough: true }) res: Response): Out<'signOut'> {
    if (p.kind === 'user') await this.auth.signOut(p.sessionId, { id: p.userId });
    clearSessionCookie(res);
    return { ok: true };
  }

  async #signedIn(user: User, session: { token: string; sessionId: string; expiresAt: Date }, req: ApiRequest, res: Response) {
    setSessionCookie(req, res, session.token, session.expiresAt, this.options.secureCookies);
    req.principal = { kind: 'user', userId: user.id, email: user.email, sessionId: session.sessionId };
    return this.#snapshot(user, session.sessionId, req, res);
  }

  async #snapshot(user: { id: string; email: string }, sessionId: string, req: ApiRequest, res: Response) {
    const memberships = await this.auth.memberships(user.id);
    return {
      user: { id: user.id, email: user.email },
      tenants: memberships.map((m) => ({ id: m.tenant.id, slug: m.tenant.slug, name: m.tenant.name, region: m.tenant.region, role: m.role })),
      csrfToken: this.csrf.issue(req, res, wantsSecureCookie(req, this.options.secureCookies)),
    };
  }
}
