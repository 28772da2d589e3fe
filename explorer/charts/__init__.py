"""Pure Plotly figure builders, one module per page area; no Streamlit here."""
