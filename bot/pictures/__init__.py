"""Pictures where people would rather look than read: concept-card diagrams and charts, drawn
in a bounded worker pool off the event loop (``service``), each with alt text that carries the
numbers; the text version of every result stays."""
