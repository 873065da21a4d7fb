"""The sample city 青澜市: `sample_data.make_sample.generate` writes its ledgers."""
