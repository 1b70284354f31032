import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.js';
import { SignIn } from './sign-in.service.js';

@Module({ providers: [PasswordHasher, SignIn], exports: [PasswordHasher, SignIn] })
export class CredentialsModule {}
