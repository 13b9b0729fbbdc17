#!/usr/bin/python3
"""A real SMTP server on loopback for dsrdesk's outbox tests and benchmark (aiosmtpd).

    /usr/bin/python3 tests/support/smtp_server.py MAILDIR [--control FILE] [--max-seconds N]
        [--tls implicit|starttls --tls-cert FILE --tls-key FILE]

Listens on 127.0.0.1, a free port, and prints `PORT <n>` on its first line. Each accepted
message is stored as one file in MAILDIR (the raw message as received, written atomically).

Faults, read from the control file (JSON) before each message, so a test can change them while
the server runs; counters are used up one message at a time and written back:
    {"refuse_451": N}   answer the next N messages with 451 (temporary)
    {"refuse_550": N}   answer the next N messages with 550 (permanent)
    {"drop": N}         drop the connection in the middle of the next N messages' DATA
                        (nothing is stored, no answer is given)
    {"slow": SECONDS}   store the message, then wait before answering 250
    {"slow_greeting": SECONDS}  wait before the 220 greeting of each new connection
    {"drop_at_mail": N} drop the connection at the MAIL command of the next N messages
                        (before DATA: nothing of the message has been sent)
"Down" needs no mode: a test uses a port nobody listens on.

With --tls, TLS from the first byte (implicit, as on port 465) or STARTTLS required before MAIL
(as on port 587), with the given certificate and key.

Debian's python3-aiosmtpd (scripts/test installs it); run with /usr/bin/python3.
"""

import argparse
import asyncio
import email
import email.policy
import hashlib
import json
import os
import ssl
import sys
import uuid

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, maildir, control):
        self.maildir = maildir
        self.control = control
        self.count = 0

    def read_control(self):
        if not self.control:
            return {}
        try:
            with open(self.control, encoding="utf-8") as f:
                return json.load(f) or {}
        except (FileNotFoundError, ValueError):
            return {}

    def write_control(self, faults):
        tmp = self.control + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(faults, f)
        os.replace(tmp, self.control)

    def take(self, faults, key):
        n = int(faults.get(key, 0) or 0)
        if n > 0:
            faults[key] = n - 1
            self.write_control(faults)
            return True
        return False

    def store(self, envelope):
        """The raw message (NAME.eml) and, beside it, what Python's own e-mail parser reads in it
        (NAME.json: decoded headers, body and each attachment's SHA-256), written atomically."""
        self.count += 1
        name = "%06d-%s" % (self.count, uuid.uuid4().hex)
        # Like postfix's "250 2.0.0 Ok: queued as 4BC2F1A0C3": an id only this server knows.
        queue_id = uuid.uuid4().hex[:10].upper()
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        summary = {
            "queue_id": queue_id,
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(parsed["From"]),
            "to": str(parsed["To"]),
            "subject": str(parsed["Subject"]),
            "message_id": str(parsed["Message-ID"]),
            "date": str(parsed["Date"]),
            "body": body.get_content() if body is not None else None,
            "attachments": [
                {
                    "file_name": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "sha256": hashlib.sha256(part.get_payload(decode=True)).hexdigest(),
                    "size": len(part.get_payload(decode=True)),
                }
                for part in parsed.iter_attachments()
            ],
        }
        for suffix, data in ((".json", json.dumps(summary).encode()), (".eml", raw)):
            tmp = os.path.join(self.maildir, "." + name + suffix + ".tmp")
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, os.path.join(self.maildir, name + suffix))
        return queue_id

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        faults = self.read_control()
        if self.take(faults, "drop_at_mail"):
            server.transport.abort()
            return "421 dropped"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        faults = self.read_control()
        if self.take(faults, "drop"):
            # The client has sent the message; it gets no answer, only a closed connection.
            server.transport.abort()
            return "421 dropped"
        if self.take(faults, "refuse_451"):
            return "451 4.3.0 Temporary failure, try again later"
        if self.take(faults, "refuse_550"):
            return "550 5.1.1 Mailbox unavailable"
        queue_id = self.store(envelope)
        slow = float(faults.get("slow", 0) or 0)
        if slow > 0:
            await asyncio.sleep(slow)
        return "250 2.0.0 Ok: queued as " + queue_id


class FaultySMTP(SMTP):
    """aiosmtpd's server with one more fault: a slow greeting."""

    def __init__(self, handler, **kwargs):
        super().__init__(handler, **kwargs)
        self.fault_handler = handler

    async def _handle_client(self):
        slow = float(self.fault_handler.read_control().get("slow_greeting", 0) or 0)
        if slow > 0:
            await asyncio.sleep(slow)
        return await super()._handle_client()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("maildir")
    parser.add_argument("--control")
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--tls", choices=["implicit", "starttls"])
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    os.makedirs(args.maildir, exist_ok=True)
    handler = Handler(args.maildir, args.control)
    loop = asyncio.get_running_loop()
    context = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
    starttls = {"tls_context": context, "require_starttls": True} if args.tls == "starttls" else {}
    server = await loop.create_server(
        lambda: FaultySMTP(handler, hostname="dsrdesk-test-smtp", data_size_limit=64 * 1024 * 1024, **starttls),
        host="127.0.0.1",
        port=0,
        ssl=context if args.tls == "implicit" else None,
    )
    port = server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    try:
        # Stops by itself; also when its parent closes standard input.
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        await asyncio.wait_for(reader.read(), timeout=args.max_seconds)
    except (asyncio.TimeoutError, OSError, ValueError):
        pass
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
