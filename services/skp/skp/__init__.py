"""SKP service: SKP templates per jabatan, SKP documents per employee-period, realisation, perilaku and scores."""
