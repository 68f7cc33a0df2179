"""`python -m mailwatch.lab.pymap_main [pymap args]`: pymap where any user name logs in.

pymap's dict backend knows one user (`--demo-user`/`--demo-password`). The lab wants
Dovecot's model instead, every user name with one password and a fresh mailbox each, so
this wrapper creates a missing user on its first login with `--demo-password`, then
runs pymap's own `main()` unchanged.
"""

from __future__ import annotations

from typing import Any


def _auto_create_users() -> None:
    from pymap.backend.dict import Login
    from pymap.user import Passwords, UserMetadata

    original = Login.authenticate

    async def authenticate(self: Login, credentials: Any) -> Any:
        name = credentials.authcid
        if name not in self.users_dict:
            hashed = await Passwords(self.config).hash_password(self.config.demo_password)
            self.users_dict[name] = UserMetadata(self.config, name, password=hashed)
        return await original(self, credentials)

    Login.authenticate = authenticate  # type: ignore[method-assign]


def main() -> None:
    from pymap.main import main as pymap_main

    _auto_create_users()
    pymap_main()


if __name__ == "__main__":
    main()
