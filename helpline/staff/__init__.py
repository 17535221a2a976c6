"""Staff pages (``/staff``) and the JSON API (``/api/``) over the callback queue, with staff accounts.

:func:`helpline.staff.web.init_app` wires them into the app. Nothing imported here needs flask, so the RQ jobs
can use the roster, accounts and claim codes without loading the web framework.
"""
