import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { type ApiRequest, RetryAfterFilter } from '@meridian/api-http';
import { ServerSecretRepository } from '@meridian/control-plane';
import cookieParser from 'cookie-parser';
import { AccessGuard } from './access.guard';
import { AUTH_OPTIONS, type AuthOptions } from './auth-options';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { CsrfProtection } from './csrf';
import { OperatorToken } from './operator-token';
import { SignupMailer } from './signup-mailer';
import { ApiKeyStrategy, PasswordStrategy, SessionStrategy } from './strategies';

/**
 * Authentication and access control for every API route. Needs ControlPlaneModule from the app.
 * More passport strategies (OIDC, SAML) slot in beside the password one.
 */
@Module({})
export class AuthModule implements NestModule {
  static forRoot(options: AuthOptions): DynamicModule {
    return {
      module: AuthModule,
      imports: [PassportModule],
      controllers: [AuthController],
      providers: [
        { provide: AUTH_OPTIONS, useValue: options },
        { provide: OperatorToken, useValue: new OperatorToken(options.operatorToken) },
        AuthService,
        SignupMailer,
        PasswordStrategy,
        SessionStrategy,
        ApiKeyStrategy,
        {
          provide: CsrfProtection,
          useFactory: async (secrets: ServerSecretRepository) =>
            new CsrfProtection(await secrets.getOrCreate('csrf'), (req) => {
              const p = (req as ApiRequest).principal;
              return p?.kind === 'user' ? p.sessionId : '';
            }),
          inject: [ServerSecretRepository],
        },
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: RetryAfterFilter },
      ],
      exports: [AuthService],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(cookieParser()).forRoutes('{*path}');
  }
}
