import { Module } from '@nestjs/common';
import { SmtpModule } from './smtp/smtp.module.js';

@Module({
  imports: [SmtpModule],
})
export class AppModule {}
