"""Command modules, one per service; each exposes `register(cli)`."""
from . import auth, des, identity, identity_admin, phone, platform, recap, skp, snowman

REGISTERED = [auth.register, identity.register, identity_admin.register, skp.register, des.register, recap.register,
              snowman.register, platform.register, phone.register]
