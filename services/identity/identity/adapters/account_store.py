"""SQL of accounts, API clients, refresh tokens and failed sign-ins (`application.ports.AccountStore`)."""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from ..application import ports
from .tables import account, api_client, assignment, instansi, jabatan, login_failure, pegawai, refresh_token


class SqlAccountStore(ports.AccountStore):
    def __init__(self, session):
        self.session = session

    def by_login(self, login_name):
        return self.session.execute(sa.select(account).where(
            sa.or_(account.c.login == login_name, account.c.nip == login_name))).first()

    def by_id(self, account_id):
        return self.session.execute(sa.select(account).where(account.c.id == account_id)).one()

    def login_only(self, login):
        return self.session.execute(sa.select(account).where(account.c.login == login)).first()

    def enabled_for_nip(self, nip):
        return self.session.execute(sa.select(account).where(account.c.nip == nip, ~account.c.disabled)).first()

    def exists(self, login_name, nip):
        return self.session.execute(sa.select(account.c.id).where(
            sa.or_(account.c.login == login_name, account.c.nip == nip if nip else sa.false()))).first() is not None

    def add(self, *, login, nip, password_hash, roles, instansi_id, kelompok):
        self.session.execute(sa.insert(account).values(
            id=uuid.uuid4(), login=login, nip=nip, password_hash=password_hash, roles=roles,
            instansi_id=instansi_id, kelompok=kelompok))

    def set_password(self, account_id, password_hash):
        self.session.execute(sa.update(account).where(account.c.id == account_id).values(password_hash=password_hash))

    def employee_instansi(self, nip):
        return self.session.execute(sa.select(pegawai.c.instansi_id).where(pegawai.c.nip == nip)).scalar()

    def own_job_group(self, nip, on):
        held = assignment.join(jabatan, jabatan.c.id == assignment.c.jabatan_id)
        return self.session.execute(
            sa.select(jabatan.c.job_group).select_from(held)
            .where(assignment.c.nip == nip, ~assignment.c.acting, assignment.c.start <= on,
                   sa.or_(assignment.c.end.is_(None), assignment.c.end >= on))
            .order_by(assignment.c.start.desc()).limit(1)).scalar()

    def instansi_exists(self, instansi_id):
        return self.session.execute(sa.select(instansi.c.id).where(instansi.c.id == instansi_id)).first() is not None

    def note_failure(self, account_key, source):
        self.session.execute(sa.insert(login_failure).values(account_key=account_key, source=source))

    def add_refresh(self, account_id, token_hash, expires_at):
        self.session.execute(sa.insert(refresh_token).values(
            id=uuid.uuid4(), account_id=account_id, token_hash=token_hash, expires_at=expires_at))

    def refresh_locked(self, token_hash):
        return self.session.execute(sa.select(refresh_token).where(refresh_token.c.token_hash == token_hash)
                                    .with_for_update()).first()

    def revoke_refresh(self, refresh_id, at):
        self.session.execute(sa.update(refresh_token).where(refresh_token.c.id == refresh_id).values(revoked_at=at))

    def revoke_all(self, account_id, at=None):
        self.session.execute(sa.update(refresh_token).where(refresh_token.c.account_id == account_id,
                                                            refresh_token.c.revoked_at.is_(None))
                             .values(revoked_at=sa.func.now() if at is None else at))

    def revoke_by_hash(self, token_hash):
        return self.session.execute(sa.update(refresh_token).where(
            refresh_token.c.token_hash == token_hash, refresh_token.c.revoked_at.is_(None))
            .values(revoked_at=sa.func.now()).returning(refresh_token.c.account_id)).scalar()

    def api_client(self, client_id):
        return self.session.execute(sa.select(api_client).where(api_client.c.client_id == client_id)).first()

    def add_api_client(self, *, client_id, name, instansi_id, scopes, secret_hash):
        self.session.execute(sa.insert(api_client).values(client_id=client_id, name=name, instansi_id=instansi_id,
                                                          scopes=scopes, secret_hash=secret_hash))
