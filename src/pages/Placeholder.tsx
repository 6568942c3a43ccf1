import React from 'react';
export default function Placeholder() { return <div>placeholder</div>; }
