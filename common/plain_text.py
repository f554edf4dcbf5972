"""Plain text rendered from a Django template without HTML escaping.

Templates autoescape, which is right for HTML and wrong for a text/plain e-mail or subject: a work name
「A&B」 would arrive as 「A&amp;B」. Every text that is not HTML (e-mail bodies and subjects) is rendered
here; the HTML alternative goes through render_to_string as usual.
"""

from django.template import Context
from django.template.loader import get_template


def render_plain_text(template_name: str, context: dict) -> str:
    template = get_template(template_name).template  # the engine's Template behind the backend's wrapper
    return template.render(Context(context, autoescape=False))
