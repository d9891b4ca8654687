"""Root of the `ekinerja` command; each service's commands live in `commands/<service>.py`."""
from __future__ import annotations

import click

from ekinerja_platform.channels import ClientTls

from .commands import REGISTERED
from .output import EXIT_BAD_INPUT, state


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "json_flag", is_flag=True, help="Machine-readable JSON on stdout.")
@click.option("--endpoint", "endpoints", multiple=True, metavar="SERVICE=HOST:PORT",
              help="Override a service endpoint (also $EKINERJA_<SERVICE>_ENDPOINT).")
@click.option("--tls", "tls_flag", is_flag=True, help="Speak TLS to the endpoints (also $EKINERJA_TLS=1).")
@click.option("--ca-file", type=click.Path(dir_okay=False), metavar="PEM",
              help="CA that signed the server's certificate, implies --tls (also $EKINERJA_TLS_CA_FILE).")
@click.option("--cert", "cert_file", type=click.Path(dir_okay=False), metavar="PEM",
              help="Client certificate for mutual TLS, with --key (also $EKINERJA_TLS_CERT_FILE).")
@click.option("--key", "key_file", type=click.Path(dir_okay=False), metavar="PEM",
              help="Private key of --cert (also $EKINERJA_TLS_KEY_FILE).")
def cli(json_flag, endpoints, tls_flag, ca_file, cert_file, key_file):
    """e-Kinerja: SKP, daily activities, recaps and answers on the performance rules."""
    st = state()
    st.json = st.json or json_flag
    for item in endpoints:
        service, sep, target = item.partition("=")
        if not sep or not target:
            raise click.BadParameter("use SERVICE=HOST:PORT", param_hint="--endpoint")
        st.endpoints[service] = target
    st.tls = ClientTls.from_env()
    if tls_flag or ca_file or cert_file or key_file:
        env = st.tls or ClientTls()
        st.tls = ClientTls(ca_file or env.ca_file, cert_file or env.cert_file, key_file or env.key_file)


for register in REGISTERED:
    register(cli)


def main(argv=None) -> int:
    try:
        cli.main(args=argv, prog_name="ekinerja", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_BAD_INPUT
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0
