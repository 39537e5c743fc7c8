export { AuthModule } from './auth.module';
export { type AuthOptions } from './auth-options';
export { PasswordHasher } from './password-hasher';
