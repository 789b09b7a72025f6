from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "parlons.connectors"
    label = "connectors"
    verbose_name = "Connectors"

    def ready(self):
        # Each module registers its platform's connector in parlons.connectors.base.
        from parlons.connectors import local  # noqa: F401  (the API and phone channels)
        from parlons.connectors.email import connector as _email  # noqa: F401  (IMAP in, SMTP out)
        from parlons.connectors.facebook import connector as _facebook  # noqa: F401
        from parlons.connectors.instagram import connector as _instagram  # noqa: F401
        from parlons.connectors.messenger import connector as _messenger  # noqa: F401
        from parlons.connectors.outbound import ConnectorOutbound
        from parlons.connectors.whatsapp import connector as _whatsapp  # noqa: F401
        from parlons.connectors.x import connector as _x  # noqa: F401
        from parlons.connectors.x import jobs as _x_jobs  # noqa: F401  (polling mode, parlons.core.scheduler)
        from parlons.tickets import outbound

        # The ticket services hand replies and comment moderation to the platforms through this seam only.
        outbound.install(ConnectorOutbound())
