import fs from 'fs';
import path from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import appJson from '../../plugin.json';
import panelJson from './plugin.json';
import { withDefaults } from './options';
import { plugin } from './module';

const SCHEMA_PATH = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'fixtures',
  'grafana',
  'plugin.schema.json'
);

describe('the Active incidents panel plugin', () => {
  test('has a plugin.json valid against Grafana plugin.json schema', () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
    // Same ajv settings as src/plugin.test.ts: the schema is Grafana's and trips ajv's strict mode.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const isValid = validate(panelJson);
    expect({ errors: validate.errors ?? [], text: isValid ? '' : ajv.errorsText(validate.errors) }).toEqual({
      errors: [],
      text: '',
    });
    expect(panelJson).toMatchObject({ type: 'panel', id: 'reliability-activeincidents-panel' });
  });

  test('is listed in the app plugin.json includes', () => {
    expect(appJson.includes).toContainEqual({ type: 'panel', name: panelJson.name });
  });

  test('fills options a dashboard does not set (an older panel, or one added by API) with the defaults', () => {
    expect(withDefaults(undefined)).toEqual({ minSeverity: 'low', maxRows: 10, service: '' });
    expect(withDefaults({ minSeverity: 'urgent' as never, maxRows: -3, service: ' checkout ' })).toEqual({
      minSeverity: 'low',
      maxRows: 10,
      service: 'checkout',
    });
    expect(plugin.panel).toBeDefined();
  });
});
